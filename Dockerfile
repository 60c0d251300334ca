# Herald's production image: compiled JavaScript, production dependencies only.
# The same image runs `api`, `worker` and `migrate` (see docker-compose.yml).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY workflows workflows
COPY activities activities
COPY server server
COPY client client
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist dist
USER node
EXPOSE 3000
ENTRYPOINT ["node", "dist/server/main.js"]
CMD ["api"]
