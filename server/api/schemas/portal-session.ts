import { z } from 'zod';
import { portalPermissions } from '../../db/tables/portal-sessions.table.js';
import { isoTimestamp } from './common.js';
import { sample } from './examples.js';
import { portalBrandingSchema } from './portal-settings.js';
import { ownerInput } from './webhook.js';

export const createPortalSessionInput = z
  .object({
    owner: ownerInput.meta({
      description:
        'Your own id for the customer who opens the portal: they see and manage only the webhooks with this `owner`, in the mode of your key.',
    }),
    expiresIn: z.number().int().min(1).max(86_400).default(3600).meta({
      description:
        'How long the session lasts, in seconds from now: up to 86,400 (24 hours), 3,600 by default. The link itself must be opened within 10 minutes.',
    }),
    permissions: z.enum(portalPermissions).default('manage').meta({
      description:
        '`manage` (default): the owner may create, change and delete their webhooks, reveal and rotate secrets, send tests and resend deliveries. `read`: they may only look.',
    }),
    branding: portalBrandingSchema.optional().meta({
      description: "This session's branding, over the workspace's portal branding.",
    }),
  })
  .meta({ examples: [{ owner: sample.owner, expiresIn: 3600, permissions: 'manage' }] });

export const portalSessionLinkSchema = z
  .object({
    url: z.string().meta({
      description:
        "The one-time link to the portal: open it (or send the customer's browser to it) within 10 minutes. It works once; opening it sets an HTTP-only session cookie and leaves the token out of the address bar.",
    }),
    expiresAt: isoTimestamp.meta({ description: 'When the session ends.' }),
  })
  .meta({
    id: 'PortalSessionLink',
    description: "A one-time link to the endpoint owners' portal.",
    examples: [
      {
        url: 'https://herald.example.com/portal/session/9vQwWc3nT8yq1Jb0cY5h0sS4pYV2o6kzJ3r1tQeXb7A',
        expiresAt: '2026-11-25T11:00:00.000Z',
      },
    ],
  });
