/**
 * Shapes of Peeker answers, validated once where they enter (style §7) and typed from the schemas.
 *
 * Two rules from design §8 shape every schema here:
 * - objects are loose: a field Peeker adds later survives validation and reaches whoever wants it;
 * - enums are open: an unknown status, reason or type passes through as a string, so a new value is shown
 *   as-is instead of failing the whole call.
 * Fields the reference marks as inferred are optional/nullable, so a real answer that lacks them still parses.
 *
 * One file per resource: types-account.ts, types-orders.ts, types-domains.ts (with imports and availability),
 * types-swaps.ts; types-shared.ts holds what they share and envelopes.ts the envelopes around every answer.
 */

export { errorEnvelopeSchema, linksSchema, listEnvelope, metaSchema, singleEnvelope } from "./envelopes.js";
export * from "./types-account.js";
export * from "./types-domains.js";
export * from "./types-orders.js";
export {
  PENDING_REASONS,
  type PendingReason,
  type Persona,
  type PersonaInput,
  personaSchema,
  type ResourceAction,
  resourceActionSchema,
  type Sequencer,
  type SequencerInput,
  sequencerSchema,
} from "./types-shared.js";
export * from "./types-swaps.js";
