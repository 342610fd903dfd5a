import type { PeekerSim } from "../../test/support/peeker-sim/server.js";
import type { Prng } from "./prng.js";
import type { Forwarder } from "./webhooks.js";

/**
 * The Peeker side of the bench: the pending actions it seeds (every reason), the changes Peeker makes by itself
 * while the faults run (actions resolved with or without a webhook, new ones appearing), and Peeker finishing
 * the work the bot asked for (a swap completes, a cancellation ends, a corrected order completes, an import is
 * done once the customer was told) a few seconds later, as the real one would.
 */
export type SeedReason =
  | "profile_picture_not_accessible"
  | "verify_sender_identity"
  | "update_nameservers"
  | "replace_domain";

export const REASONS: readonly SeedReason[] = [
  "profile_picture_not_accessible",
  "verify_sender_identity",
  "update_nameservers",
  "replace_domain",
];

/** A Peeker resource the bench parked in `action_required`. */
export interface Parked {
  kind: "order" | "domain" | "import" | "swap";
  id: string;
  reason: SeedReason;
  userId: string | undefined;
}

export interface WorldStats {
  seeded: Record<string, number>;
  appeared: number;
  appearedSilently: number;
  resolvedInPeeker: number;
  resolvedSilently: number;
  swapsCompleted: number;
  cancellationsFinished: number;
  correctedOrdersCompleted: number;
  nameserversDone: number;
}

export interface World {
  /** Seeds `perReason` actions of every reason (their webhooks go out through the forwarder). */
  seed(perReason: number): Parked[];
  /** One step of Peeker changing things by itself (fault phase); `silentOk`: may skip the webhook. */
  churn(silentOk: boolean): void;
  /** One step of Peeker finishing what the bot asked for. */
  progress(): void;
  /** Called when an operator told a customer their nameservers: Peeker sees the change soon after (or not). */
  customerNotified(resource: { kind: "import" | "domain"; id: string }): void;
  /** Customers whose imports wait on nameservers (linked to a Slack channel by the bench). */
  nameserverCustomers(): Array<{ userId: string; email: string }>;
  stats(): WorldStats;
  /** Orders the bench created (so any other order is one the bot placed). */
  seededOrders(): Set<string>;
}

const OTHER_MESSAGE = "Confirm the sender identity for this order in the Peeker dashboard.";

export function createWorld(sim: PeekerSim, forwarder: Forwarder, prng: Prng, tag: string): World {
  const control = sim.control;
  const state = control.state;
  const parked: Parked[] = [];
  const seededOrders = new Set<string>();
  const seededSwaps = new Set<string>();
  const customers: Array<{ userId: string; email: string }> = [];
  /** Resource id → when Peeker finishes it (wall ms). */
  const due = new Map<string, number>();
  /** Imports and domains whose customer was told: Peeker finishes them once due. */
  const notified = new Map<string, "import" | "domain">();
  const stats: WorldStats = {
    seeded: {},
    appeared: 0,
    appearedSilently: 0,
    resolvedInPeeker: 0,
    resolvedSilently: 0,
    swapsCompleted: 0,
    cancellationsFinished: 0,
    correctedOrdersCompleted: 0,
    nameserversDone: 0,
  };
  let n = 0;

  const park = (reason: SeedReason): Parked => {
    n++;
    const name = (what: string) => `${what}-${tag}-${n}.com`;
    switch (reason) {
      case "profile_picture_not_accessible": {
        const { order } = control.seedOrder({
          status: "action_required",
          email: `pic-${n}@chaos.test`,
          domains: [name("pic")],
          forwarding_url: "https://acme.com",
          personas: [
            { first_name: "Sam", last_name: `Lee${n}`, profile_picture_url: `http://localhost/p${n}.jpg` },
          ],
        });
        seededOrders.add(order.id);
        return { kind: "order", id: order.id, reason, userId: order.user_id };
      }
      case "verify_sender_identity": {
        const { order } = control.seedOrder({ email: `oth-${n}@chaos.test`, domains: [name("oth")] });
        seededOrders.add(order.id);
        control.requireAction("order", order.id, { reason, message: OTHER_MESSAGE });
        return { kind: "order", id: order.id, reason, userId: order.user_id };
      }
      case "update_nameservers": {
        // Half on an import (the card's message goes to its thread: an import names no customer), half on a
        // domain of a customer's order (the message goes to the customer's linked channel).
        if (n % 2 === 0) {
          const imp = control.seedImport({
            domains: [name("ns-a"), name("ns-b")],
            status: "action_required",
          });
          return { kind: "import", id: imp.id, reason, userId: undefined };
        }
        const email = `ns-${n}@chaos.test`;
        const { order, domains } = control.seedOrder({ email, domains: [name("ns")] });
        seededOrders.add(order.id);
        customers.push({ userId: order.user_id, email });
        control.requireAction("domain", domains[0]!.id, { reason });
        return { kind: "domain", id: domains[0]!.id, reason, userId: order.user_id };
      }
      case "replace_domain": {
        const { order, domains } = control.seedOrder({ email: `rd-${n}@chaos.test`, domains: [name("rd")] });
        seededOrders.add(order.id);
        const domain = domains[0]!;
        // Half on the domain itself (`domain.action_required`), half on a swap of it (`swap.action_required`).
        if (n % 2 === 0) {
          control.requireAction("domain", domain.id);
          return { kind: "domain", id: domain.id, reason, userId: order.user_id };
        }
        const swap = control.seedSwap({
          domain_id: domain.id,
          replacement_domain: name("rd-new"),
          status: "action_required",
        });
        seededSwaps.add(swap.id);
        return { kind: "swap", id: swap.id, reason, userId: order.user_id };
      }
    }
  };

  const stillParked = (p: Parked): boolean => {
    switch (p.kind) {
      case "order":
        return control.openOrderActions(p.id).length > 0;
      case "domain":
        return (state.domains.get(p.id)?.actions.length ?? 0) > 0;
      case "import":
        return (state.imports.get(p.id)?.actions.length ?? 0) > 0;
      case "swap":
        return (state.swaps.get(p.id)?.actions.length ?? 0) > 0;
    }
  };

  const finishAt = (id: string, minMs: number, maxMs: number) => {
    if (!due.has(id)) due.set(id, Date.now() + prng.int(minMs, maxMs));
  };
  const isDue = (id: string) => {
    const at = due.get(id);
    if (at === undefined || at > Date.now()) return false;
    due.delete(id);
    return true;
  };

  return {
    seed(perReason) {
      const seeded: Parked[] = [];
      for (const reason of REASONS) {
        for (let i = 0; i < perReason; i++) seeded.push(park(reason));
        stats.seeded[reason] = perReason;
      }
      parked.push(...seeded);
      return seeded;
    },

    churn(silentOk) {
      const silent = silentOk && prng.chance(0.35);
      const run = (change: () => void) => (silent ? forwarder.silently(change) : change());
      if (prng.chance(0.5)) {
        const candidates = parked.filter(stillParked);
        const target = prng.pick(candidates);
        if (target) {
          run(() => {
            // An order or an import may also simply finish; the others have their actions resolved.
            if ((target.kind === "order" || target.kind === "import") && prng.chance(0.3))
              control.complete(target.kind, target.id);
            else control.resolve(target.kind, target.id);
          });
          stats.resolvedInPeeker++;
          if (silent) stats.resolvedSilently++;
        }
      }
      if (prng.chance(0.35)) {
        const reason = prng.pick(REASONS)!;
        // Only reconciliation's walk of GET /orders/pending finds an action no webhook announced; a domain or
        // import action nobody announced is invisible by design (design §3), so those always get their webhook.
        const orderLevel = reason === "profile_picture_not_accessible" || reason === "verify_sender_identity";
        const quiet = silent && orderLevel;
        let created: Parked | undefined;
        const make = () => {
          created = park(reason);
        };
        if (quiet) forwarder.silently(make);
        else make();
        parked.push(created!);
        stats.appeared++;
        if (quiet) stats.appearedSilently++;
      }
    },

    progress() {
      for (const swap of state.swaps.values()) {
        if (seededSwaps.has(swap.id) || (swap.status !== "created" && swap.status !== "in_progress"))
          continue;
        finishAt(swap.id, 1_500, 6_000);
        if (!isDue(swap.id)) continue;
        control.complete("swap", swap.id);
        stats.swapsCompleted++;
        // The swap replaced the domain: any other swap of it that waited on the team is moot.
        for (const other of state.swaps.values()) {
          if (other.id !== swap.id && other.domain_id === swap.domain_id && other.actions.length > 0)
            control.resolve("swap", other.id);
        }
      }
      for (const order of state.orders.values()) {
        if (order.status === "cancel_scheduled") {
          finishAt(order.id, 1_000, 5_000);
          if (isDue(order.id)) {
            control.finishCancellation(order.id);
            stats.cancellationsFinished++;
          }
        } else if (!seededOrders.has(order.id) && order.status === "in_progress") {
          finishAt(order.id, 1_500, 6_000);
          if (isDue(order.id)) {
            control.complete("order", order.id);
            stats.correctedOrdersCompleted++;
          }
        }
      }
      for (const [id, kind] of notified) {
        if (!isDue(id)) continue;
        notified.delete(id);
        const pending =
          kind === "import" ? state.imports.get(id)?.actions.length : state.domains.get(id)?.actions.length;
        if (!pending) continue;
        control.complete(kind, id);
        stats.nameserversDone++;
      }
    },

    customerNotified(resource) {
      if (!prng.chance(0.7)) return;
      finishAt(resource.id, 2_000, 8_000);
      notified.set(resource.id, resource.kind);
    },

    nameserverCustomers: () => [...customers],
    stats: () => ({ ...stats, seeded: { ...stats.seeded } }),
    seededOrders: () => new Set(seededOrders),
  };
}
