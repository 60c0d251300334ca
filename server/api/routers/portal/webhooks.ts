import { testWebhook } from '../../../services/test-send.js';
import {
  changePortalWebhook,
  createPortalWebhook,
  effectiveSignatureProfile,
  webhooksHealth,
} from '../../../services/portal.js';
import {
  deleteWebhook,
  getWebhook,
  listWebhooks,
  pauseWebhook,
  resumeWebhook,
  revealWebhookSecret,
  rotateWebhookSecret,
} from '../../../services/webhooks.js';
import {
  portalCreateWebhookInput,
  portalIdInput,
  portalRotateSecretInput,
  portalTestInput,
  portalUpdateWebhookInput,
  toPortalWebhook,
  toPortalWebhookDetail,
} from '../../schemas/portal.js';
import { portalProcedure, portalRouter } from '../../portal-trpc.js';

/** How many webhooks one owner's list shows: owners have a handful; this only bounds the answer. */
const MAX_LISTED = 100;

/**
 * An owner's webhooks. Every service here is called with the session's actor, whose scope names the owner: the
 * queries find only that owner's webhooks, so another owner's id is not found, exactly as an unknown one.
 */
export const portalWebhooksRouter = portalRouter({
  list: portalProcedure.query(async ({ ctx }) => {
    const page = await listWebhooks(ctx, ctx.actor, { limit: MAX_LISTED });
    const health = await webhooksHealth(ctx, ctx.principal, page.items);
    return page.items.map((row) => toPortalWebhook(row, health.get(row.id)));
  }),

  get: portalProcedure.input(portalIdInput).query(async ({ ctx, input }) => {
    const row = await getWebhook(ctx, ctx.actor, input.id);
    const health = await webhooksHealth(ctx, ctx.principal, [row]);
    return toPortalWebhookDetail(row, health.get(row.id), await effectiveSignatureProfile(ctx, row));
  }),

  create: portalProcedure.input(portalCreateWebhookInput).mutation(async ({ ctx, input }) => {
    const { row, secret } = await createPortalWebhook(ctx, ctx.actor, ctx.session.settings, input);
    return { ...toPortalWebhookDetail(row, undefined, await effectiveSignatureProfile(ctx, row)), secret };
  }),

  update: portalProcedure.input(portalUpdateWebhookInput).mutation(async ({ ctx, input }) => {
    const row = await changePortalWebhook(ctx, ctx.actor, ctx.session.settings, input);
    return toPortalWebhook(row, (await webhooksHealth(ctx, ctx.principal, [row])).get(row.id));
  }),

  pause: portalProcedure.input(portalIdInput).mutation(async ({ ctx, input }) => {
    const row = await pauseWebhook(ctx, ctx.actor, input.id);
    return toPortalWebhook(row, (await webhooksHealth(ctx, ctx.principal, [row])).get(row.id));
  }),

  resume: portalProcedure.input(portalIdInput).mutation(async ({ ctx, input }) => {
    const row = await resumeWebhook(ctx, ctx.actor, input.id);
    return toPortalWebhook(row, (await webhooksHealth(ctx, ctx.principal, [row])).get(row.id));
  }),

  delete: portalProcedure.input(portalIdInput).mutation(async ({ ctx, input }) => {
    await deleteWebhook(ctx, ctx.actor, input.id);
    return { id: input.id, deleted: true as const };
  }),

  /** The secret in the clear, on purpose; audited as `webhooks.revealSecret` by `portal:<owner>`, without it. */
  revealSecret: portalProcedure.input(portalIdInput).mutation(async ({ ctx, input }) => ({
    secret: await revealWebhookSecret(ctx, ctx.actor, input.id),
  })),

  rotateSecret: portalProcedure.input(portalRotateSecretInput).mutation(async ({ ctx, input }) => {
    const { row, secret } = await rotateWebhookSecret(ctx, ctx.actor, {
      id: input.id,
      gracePeriod: `${input.gracePeriod}s`,
    });
    return { secret, previousValidUntil: row.previous_secret_expires_at?.toISOString() ?? null };
  }),

  test: portalProcedure.input(portalTestInput).mutation(async ({ ctx, input }) => testWebhook(ctx, ctx.actor, input)),
});
