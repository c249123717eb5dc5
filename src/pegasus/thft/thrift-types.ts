/** TBinaryProtocol field and element type bytes. */
export const TType = {
  STOP: 0,
  VOID: 1,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;

/** One TBinaryProtocol type byte. */
export type TType = (typeof TType)[keyof typeof TType];

/** Thrift message types of a strict message header. */
export const MessageType = {
  CALL: 1,
  REPLY: 2,
  EXCEPTION: 3,
  ONEWAY: 4,
} as const;

/** One thrift message type. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** The strict-protocol version word; the low byte carries the message type. */
export const STRICT_VERSION_1 = 0x80010000;

const typeNames = new Map<number, string>(Object.entries(TType).map(([name, value]) => [value, name]));

/** A readable name for a type byte, for error messages (`STRUCT`, `type 99`). */
export function ttypeName(type: number): string {
  return typeNames.get(type) ?? `type ${type}`;
}

/** Whether a byte is a type the binary protocol can carry in a field or container. */
export function isKnownTType(type: number): type is TType {
  return typeNames.has(type) && type !== TType.STOP && type !== TType.VOID;
}
