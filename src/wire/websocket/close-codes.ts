/** Close codes (RFC 6455 §7.4) and which of them may appear in a Close frame on the wire. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  /** Reported locally when a Close frame carried no code; never sent. */
  NoStatus: 1005,
  /** Reported locally when the connection dropped without a Close frame; never sent. */
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
} as const;

/**
 * Codes a peer may send: the registered ones (1000–1003, 1007–1014; 1004 is reserved and 1005,
 * 1006 and 1015 are for local reporting only) and the ranges for libraries and applications
 * (3000–4999). Everything else (0–999, 1016–2999, 5000+) is a protocol error.
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}
