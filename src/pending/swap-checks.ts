import type { PeekerError } from "../peeker/errors.js";
import type { FieldProblem } from "./outcomes.js";

/**
 * The swap's input rules and Peeker's answers as field errors (design §1, §3 "Swap pre-check"). Pure, and their
 * own file so the submit (src/pending/resolve-swap.ts) reads as its steps, and the lookup of a lost swap
 * (src/pending/swap-outcomes.ts) compares domain names exactly as the form does.
 */

export type SwapType = "standard" | "premium";

const ROOT_DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function normalizeDomainName(raw: string): string {
  return raw.trim().toLowerCase().replace(/\.$/, "");
}

/** The form alone, before anything is claimed or read: a (normalized) replacement name and a swap type. */
export function checkSwapForm(
  replacement: string,
  type: string,
): { type: SwapType } | { problem: FieldProblem } {
  if (replacement === "") return { problem: { field: "replacement", problem: { kind: "required" } } };
  if (!ROOT_DOMAIN.test(replacement)) {
    return { problem: { field: "replacement", problem: { kind: "not_a_domain", value: replacement } } };
  }
  if (type !== "standard" && type !== "premium") {
    return { problem: { field: "swapType", problem: { kind: "required" } } };
  }
  return { type };
}

/** The replacement against the domain it retires, as Peeker described it; `why` is the release's audit word. */
export function replacementMismatch(
  replacement: string,
  type: SwapType,
  retired: { name: string; provider: string },
): { problem: FieldProblem; why: string } | undefined {
  if (replacement === retired.name) {
    return {
      problem: { field: "replacement", problem: { kind: "same_domain", domain: replacement } },
      why: "same",
    };
  }
  if (type === "premium" && retired.provider !== "microsoft") {
    return {
      problem: {
        field: "swapType",
        problem: { kind: "premium_needs_microsoft", provider: retired.provider },
      },
      why: "premium",
    };
  }
  return undefined;
}

/** What the availability pre-check blocks (design §3); `taken`, `errored` and `stale` go on to Peeker. */
export function preCheckProblem(
  answer: {
    available: boolean;
    premium?: boolean | undefined;
    reason?: string | undefined;
    usable_for?: string[] | undefined;
  },
  domain: string,
  provider: string,
): FieldProblem | undefined {
  if (answer.reason === "invalid") {
    return { field: "replacement", problem: { kind: "unavailable", domain, reason: "invalid" } };
  }
  if (answer.premium === true || answer.reason === "premium") {
    return { field: "replacement", problem: { kind: "unavailable", domain, reason: "premium" } };
  }
  if (answer.usable_for && !answer.usable_for.includes(provider)) {
    return {
      field: "replacement",
      problem: { kind: "not_usable", domain, provider, usableFor: answer.usable_for },
    };
  }
  return undefined;
}

/** Peeker's refusals of `POST /swaps` as field errors; undefined for ones no input can fix. */
export function swapErrorProblem(error: PeekerError, type: string): FieldProblem | undefined {
  const problem = { kind: "peeker" as const, error };
  switch (error.code) {
    case "domain_not_imported":
    case "domain_not_usable_for_provider":
    case "domain_already_in_active_order":
      return { field: "replacement", problem };
    case "premium_domain_not_supported":
      // Peeker names `type` when the retired domain is not Microsoft, the replacement when it is a premium name.
      return {
        field:
          error.field === "type" || (error.field === undefined && type === "premium")
            ? "swapType"
            : "replacement",
        problem,
      };
    case "invalid_request":
      if (error.field === "replacement_domain") return { field: "replacement", problem };
      if (error.field === "type") return { field: "swapType", problem };
      return undefined;
    default:
      return undefined;
  }
}
