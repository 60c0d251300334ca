#!/usr/bin/env node
import { Command, Option } from 'commander';
import { colourEnvironment, type Config, loadConfig } from './config.js';
import { heraldVersion } from './version.js';

/**
 * `herald`: the stack's processes (start, api, worker, migrate, bundle-workflows, build-portal) and the commands
 * that script a running Herald (webhooks, trigger, test…). Exit codes: 0 success; 1 a command failed (or a test or
 * delivery did); 2 bad usage; 3 `trigger --wait` timed out before every delivery had an outcome.
 */
const program = new Command('herald')
  .description('Webhook delivery on Temporal and Postgres.')
  .version(heraldVersion)
  .showHelpAfterError('(herald --help lists the commands)')
  .configureOutput({ outputError: (text, write) => write(text) })
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

const say = (line: string) => process.stdout.write(`${line}\n`);

/** How client commands print: tables and colour for a person at a terminal, plain lines otherwise (output.ts). */
const output = async () =>
  (await import('./commands/client/output.js')).terminalOutput(process.stdout, colourEnvironment(), say);

/** Runs a stack command with the configuration read from the environment, once. */
function stack(name: string, load: () => Promise<(config: Config) => Promise<void>>) {
  return async () => {
    try {
      const command = await load();
      await command(loadConfig());
    } catch (error) {
      process.stderr.write(`\nherald ${name} failed: ${(error as Error).message}\n`);
      // Whatever was started has been stopped; exit now, as a supervisor expects, even if a handle stays open.
      process.exit(1);
    }
  };
}

/** Runs a client command and exits with the code it returns; failures print what to do next. */
function client<A extends unknown[]>(name: string, run: (...args: A) => Promise<number>) {
  return async (...args: A) => {
    try {
      process.exitCode = await run(...args);
    } catch (error) {
      const { explain, UsageError } = await import('./commands/client/connection.js');
      if (error instanceof UsageError) {
        process.stderr.write(`herald ${name}: ${error.message} (herald ${name} --help shows how)\n`);
        process.exitCode = 2;
        return;
      }
      const { loadClientSettings } = await import('./config.js');
      const flags = args.find((a): a is { heraldUrl?: string; apiKey?: string } => typeof a === 'object' && a !== null);
      let message = (error as Error).message;
      try {
        message = explain(error, loadClientSettings({ url: flags?.heraldUrl, apiKey: flags?.apiKey }));
      } catch {
        // The settings themselves are what is wrong: the message says so already.
      }
      process.stderr.write(`herald ${name} failed: ${message}\n`);
      process.exitCode = 1;
    }
  };
}

const connection = (command: Command) =>
  command
    .addOption(
      new Option('--herald-url <url>', 'where Herald answers (default: HERALD_URL, else http://127.0.0.1:3000)'),
    )
    .addOption(new Option('--api-key <key>', 'the API key to act with (default: HERALD_API_KEY)'))
    .option('--json', 'print JSON for scripts instead of lines for people');

// Modules load on demand, so production roles never load the development stack (embedded Postgres, dev server).
program
  .command('start')
  .description(
    'the whole stack: embedded Postgres and a Temporal dev server unless DATABASE_URL / TEMPORAL_ADDRESS are set',
  )
  .addHelpText('after', '\nExample:\n  npm start                   # or: herald start; Ctrl-C drains and stops it all')
  .action(stack('start', async () => (await import('./commands/start.js')).startCommand));
program
  .command('api')
  .description('the HTTP API only (needs DATABASE_URL and TEMPORAL_ADDRESS)')
  .addHelpText(
    'after',
    '\nExample:\n  DATABASE_URL=postgres://… TEMPORAL_ADDRESS=temporal:7233 HOST=0.0.0.0 herald api',
  )
  .action(
    stack('api', async () => {
      const { serveCommand } = await import('./commands/serve.js');
      return (config) => serveCommand(config, 'api');
    }),
  );
program
  .command('worker')
  .description('the Temporal worker only (needs DATABASE_URL and TEMPORAL_ADDRESS)')
  .addHelpText('after', '\nExample:\n  DATABASE_URL=postgres://… TEMPORAL_ADDRESS=temporal:7233 herald worker')
  .action(
    stack('worker', async () => {
      const { serveCommand } = await import('./commands/serve.js');
      return (config) => serveCommand(config, 'worker');
    }),
  );
program
  .command('migrate')
  .description('bring the database schema up to date (needs DATABASE_URL)')
  .action(stack('migrate', async () => (await import('./commands/migrate.js')).migrateCommand));
program
  .command('bundle-workflows <file>')
  .description('write the workflow bundle to <file>; point HERALD_WORKFLOW_BUNDLE at it so workers skip bundling')
  .action((file: string) =>
    stack('bundle-workflows', async () => {
      const { bundleWorkflowsCommand } = await import('./commands/bundle-workflows.js');
      return () => bundleWorkflowsCommand(file);
    })(),
  );
program
  .command('build-portal')
  .description(
    "build the endpoint owner's portal page into dist/portal-ui (start and api do it when it is missing or stale)",
  )
  .action(
    stack('build-portal', async () => {
      const { buildPortalAssets, portalPaths } = await import('./http/portal-assets.js');
      return async () => {
        await buildPortalAssets();
        say(`Portal page built into ${portalPaths().assetsDir}`);
      };
    }),
  );

program
  .command('temporal')
  .description('prepare a Temporal cluster for Herald')
  .command('setup')
  .description("check the namespace (or create it) and register Herald's search attributes; safe to run again")
  .option('--create-namespace', 'create TEMPORAL_NAMESPACE when it does not exist')
  .option('--retention <days>', 'with --create-namespace: days the cluster keeps closed workflows', '3')
  .addHelpText(
    'after',
    '\nExample:\n  TEMPORAL_ADDRESS=temporal.internal:7233 TEMPORAL_NAMESPACE=herald herald temporal setup --create-namespace',
  )
  .action((flags: { createNamespace?: boolean; retention: string }) =>
    stack('temporal setup', async () => {
      const { temporalSetupCommand } = await import('./commands/temporal-setup.js');
      return (config) =>
        temporalSetupCommand(
          config,
          { createNamespace: flags.createNamespace ?? false, retentionDays: Number(flags.retention) },
          say,
        );
    })(),
  );

connection(
  program
    .command('trigger <event-type>')
    .description("publish one event; without --data, a sample: the type's example, else one generated from its schema")
    .option('--data <json>', 'the event data: a JSON object, or @file.json')
    .option('--id <id>', 'the event id (publishing the same id again delivers nothing new)')
    .option('--deliver-at <time>', 'send it later: an ISO time (2026-12-01T09:00:00Z) or +2h, +30m… from now')
    .option('--ordering-key <key>', 'deliver after the earlier events of this key, one at a time, in publish order')
    .option('--wait', "wait for each delivery's first outcome; exit 1 if any failed")
    .option('--timeout <duration>', 'how long --wait waits', '60s'),
)
  .addHelpText(
    'after',
    `
Examples:
  herald trigger order.created --data '{"orderId":"ord_1"}'
  herald trigger order.created --data @order.json --wait
  herald trigger order.created --wait --json | jq '.outcomes'
  herald trigger order.created --deliver-at +2h          # scheduled; herald events cancel <id> withdraws it
  herald trigger order.updated --ordering-key ord_1      # after ord_1's earlier events, at every webhook

Exit codes: 0 delivered (or published, without --wait); 1 a delivery failed; 2 bad usage; 3 --wait timed out.`,
  )
  .action(
    client('trigger', async (type: string, flags) =>
      (await import('./commands/client/trigger.js')).triggerCommand(type, flags, await output()),
    ),
  );

connection(
  program
    .command('test <webhook-id>')
    .description('send a webhook one test event per subscribed type, now, and print the report')
    .option('--event-type <type>', 'test this type only'),
)
  .addHelpText(
    'after',
    `
Examples:
  herald test wh_01J8Q…                      # every subscribed type
  herald test wh_01J8Q… --event-type order.shipped --json

Exit codes: 0 every test delivered; 1 any failed.`,
  )
  .action(
    client('test', async (webhookId: string, flags) =>
      (await import('./commands/client/test-webhook.js')).testCommand(webhookId, flags, await output()),
    ),
  );

connection(
  program
    .command('login')
    .description('check a URL and API key, and keep them (file mode 0600) for the commands that follow'),
)
  .addHelpText('after', '\nExample:\n  herald login --herald-url https://herald.internal --api-key hk_live_…')
  .action(
    client('login', async (flags) => (await import('./commands/client/login.js')).loginCommand(flags, await output())),
  );
program
  .command('logout')
  .description('forget what herald login kept')
  .action(client('logout', async () => (await import('./commands/client/login.js')).logoutCommand(await output())));

const webhooks = program
  .command('webhooks')
  .description("the workspace's webhooks: create, list, inspect, change, pause, rotate secrets, delete");
connection(
  webhooks
    .command('create')
    .description('register a webhook; prints its id and its secret, shown this once')
    .requiredOption('--url <url>', 'where deliveries go')
    .requiredOption('--events <types>', 'comma-separated event types or wildcards, such as order.*')
    .option('--secret <secret>', 'your own signing secret (default: a generated whsec_ secret)')
    .option('--name <name>', 'a name for people')
    .option('--filter <json>', 'deliver only events that pass this payload filter: JSON, or @file.json')
    .option('--rate-limit <rate>', 'at most this many deliveries a second, such as 5/s or 5/s,burst=10')
    .option(
      '--on-ordering-failure <choice>',
      "after a delivery with an ordering key fails for good: continue (send the key's next) or block (hold it)",
    ),
)
  .addHelpText(
    'after',
    `\nExamples:\n  herald webhooks create --url https://example.com/hooks --events "order.*"\n  herald webhooks create --url https://example.com/big --events order.created --filter '{"field":"data.amount","gte":100}'\n  herald webhooks create --url https://example.com/hooks --events "*" --rate-limit 5/s,burst=10`,
  )
  .action(
    client('webhooks create', async (flags) =>
      (await import('./commands/client/webhooks.js')).createWebhookCommand(flags, await output()),
    ),
  );
connection(webhooks.command('list').description('one row per webhook: id, state, URL, events, name'))
  .addHelpText('after', "\nExamples:\n  herald webhooks list\n  herald webhooks list --json | jq -r '.[].id'")
  .action(
    client('webhooks list', async (flags) =>
      (await import('./commands/client/webhooks.js')).listWebhooksCommand(flags, await output()),
    ),
  );
connection(
  webhooks.command('get <webhook-id>').description('one webhook: URL, events, state, health; never its secret'),
)
  .addHelpText('after', '\nExample:\n  herald webhooks get wh_01J8Q…')
  .action(
    client('webhooks get', async (id: string, flags) =>
      (await import('./commands/client/webhooks.js')).getWebhookCommand(id, flags, await output()),
    ),
  );
connection(
  webhooks
    .command('update <webhook-id>')
    .description('change the fields given and keep the others')
    .option('--url <url>', 'where deliveries go')
    .option('--events <types>', 'comma-separated event types or wildcards; replaces the subscriptions')
    .option('--name <name>', 'a name for people')
    .option('--description <text>', 'free text for people ("" removes it)')
    .addOption(
      new Option('--active <bool>', 'false: send nothing and keep nothing until set back to true').choices([
        'true',
        'false',
      ]),
    )
    .option(
      '--header <"Name: value">',
      'a custom header sent with each delivery; repeat for more; replaces them all',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--clear-headers', 'remove every custom header')
    .option('--signature-profile <json>', 'how deliveries are signed: JSON, @file.json, or "workspace" for its default')
    .option('--filter <json>', 'a payload filter, replacing any: JSON, or @file.json')
    .option('--clear-filter', 'remove the payload filter: every subscribed event is delivered')
    .option('--rate-limit <rate>', 'at most this many deliveries a second (5/s, 0.5/s,burst=2), or "none"')
    .option(
      '--on-ordering-failure <choice>',
      "after a delivery with an ordering key fails for good: continue (send the key's next) or block (hold it)",
    ),
)
  .addHelpText(
    'after',
    `
Examples:
  herald webhooks update wh_01J8Q… --url https://example.com/hooks/v2
  herald webhooks update wh_01J8Q… --events "order.*,refund.created" --name "shop backend"
  herald webhooks update wh_01J8Q… --header "Authorization: Bearer …"
  herald webhooks update wh_01J8Q… --filter @filter.json
  herald webhooks update wh_01J8Q… --rate-limit 20/s,burst=40
  herald webhooks update wh_01J8Q… --on-ordering-failure block`,
  )
  .action(
    client('webhooks update', async (id: string, flags) =>
      (await import('./commands/client/webhooks.js')).updateWebhookCommand(id, flags, await output()),
    ),
  );
connection(
  webhooks
    .command('delete <webhook-id>')
    .description('delete a webhook at once, without asking: this cannot be undone; its delivery log stays readable'),
)
  .addHelpText('after', '\nExample:\n  herald webhooks delete wh_01J8Q…')
  .action(
    client('webhooks delete', async (id: string, flags) =>
      (await import('./commands/client/webhooks.js')).deleteWebhookCommand(id, flags, await output()),
    ),
  );
connection(
  webhooks
    .command('rotate-secret <webhook-id>')
    .description('a new signing secret, printed this once; the previous one stays valid for the grace period')
    .option('--secret <secret>', 'your own new secret (default: a generated whsec_ secret)')
    .option(
      '--grace-period <duration>',
      'how long the previous secret stays valid: 30m, 24h… at most 7d; 0s: none',
      '24h',
    ),
)
  .addHelpText(
    'after',
    `
Examples:
  herald webhooks rotate-secret wh_01J8Q…                     # the previous secret stays valid for 24 hours
  herald webhooks rotate-secret wh_01J8Q… --grace-period 0s   # the previous secret stops working now`,
  )
  .action(
    client('webhooks rotate-secret', async (id: string, flags) =>
      (await import('./commands/client/webhooks.js')).rotateSecretCommand(id, flags, await output()),
    ),
  );
for (const [action, description, example] of [
  ['pause', 'send nothing and keep deliveries (parked) until resume', 'herald webhooks pause wh_01J8Q…'],
  ['resume', 'send again: the parked deliveries go out first, in publish order', 'herald webhooks resume wh_01J8Q…'],
  [
    'enable',
    'enable a webhook Herald disabled (410 Gone, or failing) or set inactive; parked deliveries go out',
    'herald webhooks get wh_01J8Q…   # state: disabled (gone)\n  herald webhooks enable wh_01J8Q…',
  ],
] as const)
  connection(webhooks.command(`${action} <webhook-id>`).description(description))
    .addHelpText('after', `\nExample:\n  ${example}`)
    .action(
      client(`webhooks ${action}`, async (id: string, flags) =>
        (await import('./commands/client/webhooks.js')).toggleWebhookCommand(action, id, flags, await output()),
      ),
    );

const events = program.command('events').description('published events: cancel a scheduled one');
connection(
  events
    .command('cancel <event-id>')
    .description('withdraw a scheduled event (published with --deliver-at) before it is sent'),
)
  .addHelpText(
    'after',
    '\nExample:\n  herald trigger order.created --id order_1001_reminder --deliver-at +2h\n  herald events cancel order_1001_reminder',
  )
  .action(
    client('events cancel', async (id: string, flags) =>
      (await import('./commands/client/events.js')).cancelEventCommand(id, flags, await output()),
    ),
  );

const deliveries = program.command('deliveries').description('the delivery log: list, inspect, retry, tail');
connection(
  deliveries
    .command('list')
    .description('deliveries, newest first')
    .option('--webhook <id>', 'only those to this webhook')
    .option('--status <status>', 'only pending, succeeded, failed, parked, discarded, scheduled or cancelled ones')
    .option('--event-type <type>', 'only those of this event type')
    .option('--limit <n>', 'how many', '20'),
)
  .addHelpText('after', '\nExample:\n  herald deliveries list --status failed --webhook wh_01J8Q…')
  .action(
    client('deliveries list', async (flags) =>
      (await import('./commands/client/deliveries.js')).listDeliveriesCommand(flags, await output()),
    ),
  );
connection(deliveries.command('get <delivery-id>').description('one delivery and every attempt')).action(
  client('deliveries get', async (id: string, flags) =>
    (await import('./commands/client/deliveries.js')).getDeliveryCommand(id, flags, await output()),
  ),
);
connection(
  deliveries.command('retry <delivery-id>').description('start a new series of attempts for a failed delivery'),
).action(
  client('deliveries retry', async (id: string, flags) =>
    (await import('./commands/client/deliveries.js')).retryDeliveryCommand(id, flags, await output()),
  ),
);
connection(
  deliveries
    .command('skip <delivery-id>')
    .description("let the later events of a failed delivery's ordering key go past it (its webhook blocks on failure)"),
).action(
  client('deliveries skip', async (id: string, flags) =>
    (await import('./commands/client/deliveries.js')).skipDeliveryCommand(id, flags, await output()),
  ),
);
connection(
  deliveries
    .command('tail')
    .description('attempts as they complete, until Ctrl-C; resumes where it was after a lost connection')
    .option('--webhook <id>', 'only attempts of deliveries to this webhook')
    .option('--status <outcome>', 'only succeeded, failed or interrupted attempts')
    .option('--event-type <type>', 'only attempts of deliveries of this event type'),
)
  .addHelpText(
    'after',
    '\nExamples:\n  herald deliveries tail\n  herald deliveries tail --status failed --webhook wh_01J8Q…\n  herald deliveries tail --json | jq .statusCode\n\nExit codes: 0 stopped with Ctrl-C; 1 the stream was refused (key, permission or filters).',
  )
  .action(
    client('deliveries tail', async (flags) =>
      (await import('./commands/client/deliveries.js')).tailDeliveriesCommand(flags, await output()),
    ),
  );
connection(
  program
    .command('recover <webhook-id>')
    .description('redeliver, once each, what a webhook failed since a time, with live progress')
    .requiredOption('--since <duration>', 'how far back: 30m, 2h… (at most 14 days)'),
)
  .addHelpText(
    'after',
    '\nExample:\n  herald recover wh_01J8Q… --since 2h\n\nExit codes: 0 every redelivery succeeded; 1 some failed, or the recovery was cancelled.',
  )
  .action(
    client('recover', async (webhookId: string, flags) =>
      (await import('./commands/client/deliveries.js')).recoverCommand(webhookId, flags, await output()),
    ),
  );

const eventTypes = program.command('event-types').description("the workspace's event type catalog");
connection(eventTypes.command('list').description('one line per type')).action(
  client('event-types list', async (flags) =>
    (await import('./commands/client/catalog-and-keys.js')).listEventTypesCommand(flags, await output()),
  ),
);
connection(
  eventTypes
    .command('create <name>')
    .description("add a type; the workspace's first turns catalog checks on")
    .option('--description <text>', 'what the event means')
    .option('--schema <json>', 'a JSON Schema for its data, or @file.json')
    .option('--example <json>', 'example data (test sends and trigger use it), or @file.json'),
)
  .addHelpText('after', '\nExample:\n  herald event-types create order.shipped --schema @order-shipped.schema.json')
  .action(
    client('event-types create', async (name: string, flags) =>
      (await import('./commands/client/catalog-and-keys.js')).createEventTypeCommand(name, flags, await output()),
    ),
  );

const keys = program.command('keys').description('API keys (needs an admin key)');
connection(keys.command('list').description('the keys, with a hint of each, never the key')).action(
  client('keys list', async (flags) =>
    (await import('./commands/client/catalog-and-keys.js')).listKeysCommand(flags, await output()),
  ),
);
connection(
  keys
    .command('create <name>')
    .description('a new key; printed this once')
    .requiredOption('--permissions <list>', 'comma-separated, such as events:publish,webhooks:read')
    .option('--mode <mode>', 'live or test', 'live')
    .option('--workspace <id>', "the workspace it acts in (default: the caller's)"),
)
  .addHelpText('after', '\nExample:\n  herald keys create "shop backend" --permissions events:publish,webhooks:manage')
  .action(
    client('keys create', async (name: string, flags) =>
      (await import('./commands/client/catalog-and-keys.js')).createKeyCommand(name, flags, await output()),
    ),
  );
connection(keys.command('revoke <key-id>').description('revoke a key at once')).action(
  client('keys revoke', async (id: string, flags) =>
    (await import('./commands/client/catalog-and-keys.js')).revokeKeyCommand(id, flags, await output()),
  ),
);

program
  .command('listen')
  .description('a local receiver: verifies and prints each delivery as it arrives; can forward it and fail on purpose')
  .option('--port <port>', 'the port to listen on (0: any free one)', '4000')
  .option('--host <host>', 'the address to listen on', '127.0.0.1')
  .option('--secret <secret>', "the webhook's signing secret; without it, signatures are not checked")
  .option('--forward-to <url>', 'pass each verified delivery on to your app, and answer with its status')
  .option('--fail-rate <share>', 'answer this share of deliveries (0 to 1) with --status, to watch retries')
  .option('--status <status>', 'the status --fail-rate answers with', '503')
  .option('--json', 'one JSON object per delivery, for scripts')
  .addHelpText(
    'after',
    `
Examples:
  herald listen --port 4000 --secret whsec_…                 # then point a webhook at http://127.0.0.1:4000
  herald listen --secret whsec_… --forward-to http://localhost:3001/hooks
  herald listen --fail-rate 0.3 --status 503                 # every third delivery or so is retried

Answers 401 when --secret is given and no signature verifies, as a careful receiver would.`,
  )
  .action(
    client('listen', async (flags) =>
      (await import('./commands/client/listen.js')).listenCommand(flags, await output()),
    ),
  );

// `herald` alone starts the stack, as `npm start` does.
await program.parseAsync(process.argv.length > 2 ? process.argv : [...process.argv, 'start']);
