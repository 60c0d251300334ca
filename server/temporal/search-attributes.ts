import type { Client } from '@temporalio/client';
import { allSearchAttributes } from '../../workflows/shared.js';

const indexedValueType = { KEYWORD: 2, TEXT: 1, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 } as const;
/** The same types as the `temporal` CLI spells them. */
const cliType = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
} as const;

/**
 * Makes sure Herald's search attributes exist on the server, registering missing ones (their names are returned). The dev server gets them
 * at launch; on a real cluster this needs operator rights, and the error says how to create them by hand.
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([
    ...Object.keys(existing.customAttributes ?? {}),
    ...Object.keys(existing.systemAttributes ?? {}),
  ]);
  const missing = allSearchAttributes.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedValueType[key.type]])),
    });
  } catch (error) {
    const commands = missing.map(
      (key) =>
        `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${cliType[key.type]}`,
    );
    throw new Error(
      `Herald's search attributes are missing and could not be registered. Create them with:\n  ${commands.join('\n  ')}`,
      {
        cause: error,
      },
    );
  }
  return missing.map((key) => key.name);
}
