/**
 * Minutes an open pending action may wait before it counts as breached, per reason, with a `default` for the
 * reasons not listed. The domain owns the shape (nudges, digest and breach counts read it); `loadConfig` fills it
 * from SLA_MINUTES.
 */
export type PendingReasonSla = Readonly<Record<string, number>> & { readonly default: number };
