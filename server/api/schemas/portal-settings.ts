import { z } from 'zod';
import { DEFAULT_PORTAL_SETTINGS, type PortalSettings } from '../../db/tables/workspaces.table.js';
import { subscriptionPattern, text } from './common.js';

/** What the portal looks like: a workspace's, or a session's own over it. */
export const portalBrandingSchema = z
  .object({
    name: text(1, 100).optional().meta({ description: 'The name the portal shows in its header.' }),
    logoUrl: z
      .string()
      .min(1)
      .max(2048)
      // eslint-disable-next-line no-control-regex -- the NUL character is what it is there to refuse
      .regex(/^https:\/\/[^\s"'<>\u0000]+$/, 'must be an https URL')
      .optional()
      .meta({ description: 'An https URL of the logo the portal shows.' }),
    accentColor: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #3355ff')
      .optional()
      .meta({ description: 'The accent colour, `#rrggbb`.' }),
  })
  .strict()
  .meta({ examples: [{ name: 'Acme Shop', logoUrl: 'https://shop.example.com/logo.png', accentColor: '#3355ff' }] });

/**
 * An origin a browser may embed the portal from, as CSP's `frame-ancestors` takes it: scheme, host (a leading `*.`
 * for any subdomain) and an optional port; nothing that could end the header's directive.
 */
const frameAncestor = z
  .string()
  .max(300)
  .regex(
    /^https?:\/\/(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?$/,
    'must be an origin such as https://app.example.com',
  );

const portalSettingsFields = {
  eventTypes: z.array(subscriptionPattern).max(100).nullable().meta({
    description:
      'The event types endpoint owners may subscribe to in the portal: names or wildcards, within the catalog. Null: the whole catalog.',
  }),
  frameAncestors: z.array(frameAncestor).max(20).meta({
    description:
      "Origins allowed to embed the portal in a frame (the `frame-ancestors` of its pages), besides Herald's own. Empty: it cannot be embedded elsewhere.",
  }),
  branding: portalBrandingSchema,
};

export const portalSettingsSchema = z.object(portalSettingsFields).meta({
  id: 'PortalSettings',
  description: "What the endpoint owners' portal offers and looks like in this workspace.",
  examples: [
    {
      eventTypes: ['order.*'],
      frameAncestors: ['https://shop.example.com'],
      branding: { name: 'Acme Shop', accentColor: '#3355ff' },
    },
  ],
});

/** Sets every portal setting at once; a field left out takes its default. */
export const portalSettingsInput = z
  .object({
    eventTypes: portalSettingsFields.eventTypes.default(null),
    frameAncestors: portalSettingsFields.frameAncestors.default([]),
    branding: portalBrandingSchema.default({}),
  })
  .strict();

export function toPortalSettings(settings: PortalSettings | null): z.infer<typeof portalSettingsSchema> {
  return settings ?? DEFAULT_PORTAL_SETTINGS;
}
