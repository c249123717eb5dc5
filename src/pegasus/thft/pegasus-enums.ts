/** Thrift enums of the admin RPCs, as names ⇄ wire values. */
import type { MetaLevel } from '../cluster-api.js';

/** A meta level as `RPC_CM_CONTROL_META` carries it: a `MetaLevel`, or `invalid` to only read the level. */
export type MetaLevelOrInvalid = MetaLevel | 'invalid';

const metaLevelValues: Readonly<Record<MetaLevelOrInvalid, number>> = {
  stopped: 100,
  blind: 200,
  freezed: 300,
  steady: 400,
  lively: 500,
  invalid: 10000,
};

const metaLevelByValue = new Map<number, MetaLevelOrInvalid>(
  Object.entries(metaLevelValues).map(([name, value]) => [value, name as MetaLevelOrInvalid]),
);

/** The `meta_function_level` enum value of a level (`steady` → 400, `invalid` → 10000). */
export function metaLevelToValue(level: MetaLevelOrInvalid): number {
  return metaLevelValues[level];
}

/** The level of a `meta_function_level` value, or undefined for a value Pegasus does not define. */
export function metaLevelFromValue(value: number): MetaLevelOrInvalid | undefined {
  return metaLevelByValue.get(value);
}

/** `app_status` names, indexed by wire value. */
export const appStatuses = [
  'AS_INVALID',
  'AS_AVAILABLE',
  'AS_CREATING',
  'AS_CREATE_FAILED',
  'AS_DROPPING',
  'AS_DROP_FAILED',
  'AS_DROPPED',
  'AS_RECALLING',
] as const;

/** A table status (`AS_INVALID` in a request means "any"). */
export type AppStatus = (typeof appStatuses)[number];

/** `node_status` names, indexed by wire value. */
export const nodeStatuses = ['NS_INVALID', 'NS_ALIVE', 'NS_UNALIVE'] as const;

/** A replica server status (`NS_INVALID` in a request means "any"). */
export type NodeStatus = (typeof nodeStatuses)[number];

/** `pattern_match_type` names, indexed by wire value (for `RPC_CM_LIST_APPS`). */
export const patternMatchTypes = [
  'PMT_INVALID',
  'PMT_MATCH_ALL',
  'PMT_MATCH_EXACT',
  'PMT_MATCH_ANYWHERE',
  'PMT_MATCH_PREFIX',
  'PMT_MATCH_POSTFIX',
  'PMT_MATCH_REGEX',
] as const;

/** How `app_name_pattern` matches. */
export type PatternMatchType = (typeof patternMatchTypes)[number];
