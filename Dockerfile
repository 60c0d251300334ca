# Herald's production image: compiled JavaScript, production dependencies only.
# The same image runs `api`, `worker` and `migrate` (see docker-compose.yml).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY workflows workflows
COPY activities activities
COPY server server
# `npm run build` also builds the portal's page (Vite, from server/portal-ui) into dist/portal-ui, which the final
# image serves as files: it has no Vite and no page sources.
RUN npm run build && node dist/server/main.js bundle-workflows dist/workflow-bundle.js

FROM node:24-bookworm-slim
# Workers load the workflow bundle built above instead of running webpack at every start.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 HERALD_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist dist
USER node
EXPOSE 3000
ENTRYPOINT ["node", "dist/server/main.js"]
CMD ["api"]
