import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portalPaths } from '../../server/http/portal-assets.js';
import { expectAccessible, openBrowser, type TestBrowser } from '../support/browser.js';
import type { ReceivedRequest } from '../support/receiver.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The endpoint owner's portal in a real Chromium against the real stack: a session link from the main API, then
 * everything an owner does, through the page only. The screenshots go to docs/images with PORTAL_SCREENSHOTS=1
 * (the README shows them), else to a temporary folder.
 */
const stack = useStack();
const OWNER = 'cust_portal_1';
const branding = { name: 'Acme Shipping', accentColor: '#0f766e' };
let browser: TestBrowser;
let screenshots: string;

beforeAll(async () => {
  browser = await openBrowser();
  screenshots =
    process.env.PORTAL_SCREENSHOTS === '1'
      ? path.resolve('docs/images')
      : await fs.mkdtemp(path.join(os.tmpdir(), 'herald-portal-shots-'));
  await stack.herald.client.eventTypes.create.mutate({
    name: 'order.shipped',
    description: 'An order left the warehouse.',
    schema: {
      type: 'object',
      properties: { orderId: { type: 'string' }, carrier: { type: 'string' } },
      required: ['orderId'],
    },
    example: { orderId: 'ord_1042', carrier: 'DHL' },
  });
  await stack.herald.client.eventTypes.create.mutate({
    name: 'order.cancelled',
    description: 'The customer cancelled an order before it shipped.',
  });
});
afterAll(async () => {
  await browser?.close();
});

async function sessionLink(permissions: 'manage' | 'read' = 'manage'): Promise<string> {
  const session = await stack.herald.client.portal.createSession.mutate({ owner: OWNER, permissions, branding });
  return session.url;
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 });

async function shoot(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(screenshots, `portal-${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

describe('the portal page without a session', () => {
  it('says to ask the app for a new link, with the security headers', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${stack.herald.url}/portal/`);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'; style-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'self';");
    expect(headers['x-content-type-options']).toBe('nosniff');
    await expect.poll(() => heading(page).textContent()).toBe('Your session has ended');
    expect(await page.textContent('main')).toContain('ask your app for a new link');
    await expectAccessible(page, 'the session-ended page');
    await page.close();
  });

  it('serves a page without inline scripts or styles, and its assets for good', async () => {
    const html = await (await fetch(`${stack.herald.url}/portal/`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    const script = /src="(\/portal\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${stack.herald.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-type')).toContain('javascript');
    // The production build, even though the tests run with NODE_ENV=test: no debugging aids shipped.
    expect(await asset.text()).not.toContain('__PREACT_DEVTOOLS__');
  });
});

describe('embedding', () => {
  it("lets the session's workspace's origins frame the page, and only Herald without a session", async () => {
    await stack.herald.client.workspaces.update.mutate({
      id: stack.herald.scope.workspaceId,
      portal: { frameAncestors: ['https://app.example.com'] },
    });
    const exchange = await fetch(await sessionLink('read'), { redirect: 'manual' });
    expect(exchange.status).toBe(303);
    expect(exchange.headers.get('location')).toBe('/portal/');
    const cookie = exchange.headers.getSetCookie()[0]!.split(';')[0]!;
    const framed = await fetch(`${stack.herald.url}/portal/`, { headers: { cookie } });
    expect(framed.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://app.example.com;");
    const alone = await fetch(`${stack.herald.url}/portal/`);
    expect(alone.headers.get('content-security-policy')).toContain("frame-ancestors 'self';");
    await stack.herald.client.workspaces.update.mutate({ id: stack.herald.scope.workspaceId, portal: null });
  });

  it("opens inside the app's page when the workspace allows the app's origin, and not otherwise", async () => {
    // The app's page, at another origin (the receiver's port), framing a fresh portal link.
    const appPage = (link: string) => ({
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: `<!doctype html><html lang="en"><title>App</title><iframe title="Webhooks" src="${link}" width="1000" height="700"></iframe></html>`,
    });
    const embedIn = async () => {
      const link = await sessionLink('read');
      stack.receiver.behave(() => appPage(link));
      const page = await browser.newPage();
      await page.goto(`${stack.receiver.url}/app`);
      return page;
    };
    const refused = await embedIn();
    await expect
      .poll(
        () =>
          refused
            .frames()
            .find((frame) => frame !== refused.mainFrame())
            ?.url() ?? '',
      )
      .toMatch(/^chrome-error:/);
    await refused.close();

    await stack.herald.client.workspaces.update.mutate({
      id: stack.herald.scope.workspaceId,
      portal: { frameAncestors: [stack.receiver.url] },
    });
    const embedded = await embedIn();
    const frame = embedded.frameLocator('iframe');
    await expect.poll(() => frame.getByRole('heading', { level: 1 }).textContent()).toBe('Your webhooks');
    await embedded.close();
    await stack.herald.client.workspaces.update.mutate({ id: stack.herald.scope.workspaceId, portal: null });
    stack.receiver.behave(() => ({ status: 200, body: 'OK' }));
  });
});

describe('an owner with a session link', () => {
  let page: Page;
  let webhookId: string;
  let firstSecret: string;
  let failedDeliveryId: string;
  const hookUrl = () => `${stack.receiver.url}/acme`;
  const requestsTo = () => stack.receiver.requests.filter((r) => r.path === '/acme');

  beforeAll(async () => {
    page = await browser.newPage();
  });

  it('opens the link: the token leaves the address bar and the branded, empty list shows', async () => {
    const link = await sessionLink();
    await page.goto(link);
    expect(new URL(page.url()).pathname).toBe('/portal/');
    await expect.poll(() => heading(page).textContent()).toBe('Your webhooks');
    expect(await page.textContent('header')).toContain('Acme Shipping');
    // The heading comes at once; the list once it has loaded.
    await expect.poll(() => page.textContent('main')).toContain('No webhooks yet');
    await expectAccessible(page, 'the empty webhooks list');
  });

  it('creates a webhook to a loopback receiver, picking event types from the catalog', async () => {
    await page.getByRole('link', { name: 'Add a webhook' }).click();
    await expect.poll(() => heading(page).textContent()).toBe('Add a webhook');
    await page.getByText('Schema and example of order.shipped').click();
    expect(await page.textContent('main')).toContain('ord_1042');
    await expectAccessible(page, 'the webhook form');
    await page.getByLabel('Endpoint URL').fill(hookUrl());
    await page.getByLabel('Name').fill('Order updates');
    await page.getByRole('checkbox', { name: /order\.shipped/ }).check();
    await page.getByRole('button', { name: 'Add the webhook' }).click();
    await expect.poll(() => heading(page).textContent()).toBe('Webhook added');
    firstSecret = (await page.getByTestId('secret-value').textContent())!;
    expect(firstSecret).toMatch(/^whsec_/);
    await page.getByRole('link', { name: 'Go to the webhook' }).click();
    await expect.poll(() => heading(page).textContent()).toBe('Order updates');
    webhookId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    const stored = await stack.herald.client.webhooks.get.query({ id: webhookId });
    expect(stored).toMatchObject({ url: hookUrl(), events: ['order.shipped'], owner: OWNER });
    await expectAccessible(page, "the webhook's page");
  });

  it('sends a test event of a subscribed type and shows the report', async () => {
    stack.receiver.behave(() => ({ status: 200, body: 'thanks' }));
    await page.getByRole('button', { name: 'Send test' }).click();
    const report = page.locator('.test-report');
    await expect.poll(() => report.textContent()).toContain('HTTP 200');
    expect(await report.textContent()).toContain('order.shipped');
    expect(requestsTo().length).toBe(1);
  });

  it("shows a failed delivery's attempts, the endpoint's answer as text, and resends it", async () => {
    stack.receiver.behave(() => ({
      status: 500,
      body: '<script>window.__portalInjected = true</script><b>database down</b>',
    }));
    const published = await stack.herald.client.events.publish.mutate({
      type: 'order.shipped',
      data: { orderId: 'ord_2001' },
    });
    failedDeliveryId = published.deliveries[0]!.id;
    const settled = await stack.herald.settled(failedDeliveryId);
    expect(settled.status).toBe('failed');

    await page.getByRole('link', { name: 'Delivery log' }).click();
    await expect.poll(() => heading(page).textContent()).toBe('Delivery log');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe('failed');
    const rows = page.locator('table.deliveries tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    await expectAccessible(page, 'the delivery log');
    await rows.first().getByRole('link').click();
    await expect.poll(() => heading(page).textContent()).toContain('order.shipped');
    const attempts = page.locator('.attempt');
    await expect.poll(() => attempts.count()).toBe(settled.attempts);
    expect(await attempts.first().textContent()).toContain('HTTP 500');
    const excerpt = page.getByTestId('response-excerpt').first();
    expect(await excerpt.textContent()).toContain('<script>window.__portalInjected = true</script>');
    expect(await excerpt.locator('script, b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __portalInjected?: boolean }).__portalInjected)).toBeUndefined();
    expect(await page.textContent('main')).toContain('ord_2001');
    await expectAccessible(page, 'the delivery detail');
    await shoot(page, 'delivery');

    stack.receiver.behave(() => ({ status: 200, body: 'OK' }));
    await page.getByRole('button', { name: 'Resend' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Sent again');
    await waitFor(
      async () => {
        const page = await stack.herald.client.deliveries.list.query({ webhookId, status: 'succeeded' });
        return page.data.some((d) => d.eventId === published.id);
      },
      { what: 'the resent delivery to succeed' },
    );
  });

  it('rotates the secret: the next delivery verifies with the new one', async () => {
    await page.goto(`${stack.herald.url}/portal/webhooks/${encodeURIComponent(webhookId)}`);
    await expect.poll(() => heading(page).textContent()).toBe('Order updates');
    await page.getByRole('button', { name: 'Reveal the secret' }).click();
    await expect.poll(() => page.getByTestId('secret-value').textContent()).toBe(firstSecret);
    await page.getByLabel('Keep the old secret valid for').selectOption({ label: 'none: the old secret stops now' });
    await page.getByRole('button', { name: 'Rotate the secret' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('New secret in use');
    const newSecret = (await page.getByTestId('secret-value').textContent())!;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(firstSecret);
    expect(await page.textContent('main')).toContain('verifyWebhook(rawBody, headers');

    const before = requestsTo().length;
    const published = await stack.herald.client.events.publish.mutate({
      type: 'order.shipped',
      data: { orderId: 'ord_3003' },
    });
    const [request] = (await stack.receiver.waitForRequests(before + 1, { matching: (r) => r.path === '/acme' })).slice(
      before,
    ) as [ReceivedRequest];
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    expect(new StandardWebhook(newSecret).verify(request.rawBody, headers)).toMatchObject({ id: published.id });
    expect(() => new StandardWebhook(firstSecret).verify(request.rawBody, headers)).toThrow();
  });

  it('recovers the deliveries that failed since a time, with a live progress bar', async () => {
    stack.receiver.behave(() => ({ status: 503, body: 'maintenance' }));
    const failed = await Promise.all(
      ['ord_4001', 'ord_4002'].map((orderId) =>
        stack.herald.client.events.publish.mutate({ type: 'order.shipped', data: { orderId } }),
      ),
    );
    for (const event of failed) expect((await stack.herald.settled(event.deliveries[0]!.id)).status).toBe('failed');
    stack.receiver.behave(() => ({ status: 200, body: 'OK' }));
    await page.getByRole('button', { name: 'Recover' }).click();
    const progress = page.locator('.recovery');
    await expect.poll(() => progress.textContent(), { timeout: 30_000 }).toContain('Finished');
    expect(await progress.textContent()).toContain('2 of 2 sent again, 2 delivered, 0 failed');
    expect(await progress.locator('progress').getAttribute('value')).toBe('2');
    await expectAccessible(page, 'the webhook page after a recovery');
  });

  it('shows the list with health at a glance, quickly (page weight and time to interactive measured)', async () => {
    const fresh = await openBrowser();
    try {
      const measured = await fresh.newPage();
      await measured.goto(await sessionLink());
      await expect.poll(() => measured.locator('.webhook-card').count()).toBe(1);
      // The page marks the moment in an effect, which runs just after the paint that showed the list.
      await expect
        .poll(() => measured.evaluate(() => performance.getEntriesByName('herald:webhooks-shown').length))
        .toBe(1);
      const timing = await measured.evaluate(() => {
        const shown = performance.getEntriesByName('herald:webhooks-shown')[0]?.startTime;
        const scripts = (
          performance.getEntriesByType('resource') as unknown as Array<{ name: string; encodedBodySize: number }>
        ).filter((r) => r.name.endsWith('.js'));
        return { shown, transferred: scripts.reduce((sum, r) => sum + r.encodedBodySize, 0) };
      });
      const { assetsDir } = portalPaths();
      const files = await fs.readdir(path.join(assetsDir, 'assets'));
      let gzipped = 0;
      for (const file of files.filter((f) => f.endsWith('.js')))
        gzipped += gzipSync(await fs.readFile(path.join(assetsDir, 'assets', file)), { level: 9 }).length;
      // Figures for the README and the report, not assertions: speed is measured, never asserted in tests.
      process.stderr.write(
        `[portal] JavaScript shipped: ${(gzipped / 1024).toFixed(1)} KiB gzipped (${(timing.transferred / 1024).toFixed(1)} KiB over the wire); first list shown ${timing.shown?.toFixed(0)} ms after navigation start\n`,
      );
      expect(timing.shown).toBeGreaterThan(0);
      const card = measured.locator('.webhook-card');
      expect(await card.textContent()).toContain('Active');
      expect(await card.textContent()).toMatch(/\d+% delivered/);
      await shoot(measured, 'webhooks');
    } finally {
      await fresh.close();
    }
  });

  it('is readable at a phone width', async () => {
    const phone = await openBrowser({ viewport: { width: 390, height: 844 } });
    try {
      const small = await phone.newPage();
      await small.goto(await sessionLink());
      await expect.poll(() => small.locator('.webhook-card').count()).toBe(1);
      // In the page: how far its content reaches past the screen's width.
      const overflow = await small.evaluate(() => {
        const page = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return page.document.documentElement.scrollWidth - page.innerWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      await expectAccessible(small, 'the webhooks list at a phone width');
    } finally {
      await phone.close();
    }
  });

  it('in a read-only session, shows everything and no control that changes anything', async () => {
    const readOnly = await openBrowser();
    try {
      const view = await readOnly.newPage();
      await view.goto(await sessionLink('read'));
      await expect.poll(() => view.locator('.webhook-card').count()).toBe(1);
      expect(await view.textContent('header')).toContain('Read only');
      expect(await view.getByRole('link', { name: 'Add a webhook' }).count()).toBe(0);
      await expectAccessible(view, 'the read-only list');

      await view.getByRole('link', { name: 'Order updates' }).click();
      await expect.poll(() => heading(view).textContent()).toBe('Order updates');
      for (const name of [
        'Edit',
        'Pause',
        'Resume',
        'Delete',
        'Reveal the secret',
        'Rotate the secret',
        'Send test',
        'Recover',
      ])
        expect(await view.getByRole('button', { name, exact: true }).count(), name).toBe(0);
      expect(await view.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
      expect(await view.textContent('main')).toContain('Verify deliveries');
      await expectAccessible(view, "the read-only webhook's page");

      await view.goto(`${stack.herald.url}/portal/deliveries/${encodeURIComponent(failedDeliveryId)}`);
      await expect.poll(() => view.locator('.attempt').count()).toBeGreaterThan(0);
      expect(await view.getByRole('button', { name: 'Resend' }).count()).toBe(0);
      await expectAccessible(view, 'the read-only delivery detail');
    } finally {
      await readOnly.close();
    }
  });

  it('pauses, resumes and deletes the webhook', async () => {
    await page.goto(`${stack.herald.url}/portal/webhooks/${encodeURIComponent(webhookId)}`);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.locator('.title-row .badge').textContent()).toBe('Paused');
    expect((await stack.herald.client.webhooks.get.query({ id: webhookId })).paused).toBe(true);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.locator('.title-row .badge').textContent()).toBe('Active');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => heading(page).textContent()).toBe('Your webhooks');
    await expect.poll(() => page.textContent('main')).toContain('No webhooks yet');
  });
});
