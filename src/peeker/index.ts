export type {
  CallOptions,
  PeekerCallInfo,
  PeekerCallOutcome,
  PeekerClientOptions,
  PeekerResult,
} from "./client.js";
export { DEFAULT_BASE_URL, PeekerClient } from "./client.js";
export type { PeekerApiErrorCode, PeekerErrorCode, PeekerTransportErrorCode } from "./errors.js";
export { isPageTokenRejected, isPeekerError, PeekerError } from "./errors.js";
export type { Page, PageLinks, PageMeta } from "./paginate.js";
export { PageIterator } from "./paginate.js";
export type { Sleep } from "./retry.js";
export type * from "./types.js";
