/** Test helper: bytes from the hex notation of the reference (spaces ignored, `"text"` as its ASCII bytes). */
export function bytesFromNotation(notation: string): Uint8Array {
  const hex = notation.replace(/"([^"]*)"/g, (_, text: string) => Buffer.from(text, 'latin1').toString('hex'));
  return new Uint8Array(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

/** Test helper: bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
