/**
 * The stored shape of a webhook's payload filter: conditions on the event's fields, combined with and / or / not.
 * It is data, never code: the delivery core evaluates it (server/delivery/payload-filter.ts) and the API checks its
 * form and bounds before it is stored (server/delivery/payload-filter-rules.ts).
 */

/** A value a condition compares with: JSON's scalars. */
export type FilterScalar = string | number | boolean | null;

/** The operators of a condition, each with the operand it takes. */
export interface FilterOperands {
  eq: FilterScalar;
  ne: FilterScalar;
  in: FilterScalar[];
  exists: boolean;
  gt: number | string;
  gte: number | string;
  lt: number | string;
  lte: number | string;
  prefix: string;
  suffix: string;
  contains: string;
}
export type FilterOperator = keyof FilterOperands;

export const filterOperators = [
  'eq',
  'ne',
  'in',
  'exists',
  'gt',
  'gte',
  'lt',
  'lte',
  'prefix',
  'suffix',
  'contains',
] as const satisfies readonly FilterOperator[];

/** `{ "field": "data.amount", "gte": 100 }`: one field (`type`, or a dotted path under `data`), one operator. */
export type FilterCondition = {
  [K in FilterOperator]: { field: string } & { [P in K]: FilterOperands[K] };
}[FilterOperator];

export type PayloadFilter =
  FilterCondition | { and: PayloadFilter[] } | { or: PayloadFilter[] } | { not: PayloadFilter };
