export type {
  InvalidSessionReason,
  SameSite,
  SessionClock,
  SessionOptions,
  SessionRevocationInfo,
} from "./config.js";
export { SessionConfigError, SessionTooLargeError } from "./errors.js";
export type { SessionKeyInput } from "./keys.js";
export { generateKey, Keyring } from "./keys.js";
export type { SessionCommit } from "./manager.js";
export { SESSION_RESPONSE_HEADERS, SessionManager } from "./manager.js";
export type { JsonRecord } from "./payload.js";
export type { Session, SessionControls } from "./session.js";
export { RESERVED_SESSION_KEYS } from "./session.js";
