import { describe, expect, it } from "vitest";
import {
  checkSwapForm,
  normalizeDomainName,
  preCheckProblem,
  replacementMismatch,
} from "../../src/pending/swap-checks.js";

/** The swap's pure input rules (design §1, §3 "Swap pre-check"), before and around the one Peeker write. */
describe("swap checks", () => {
  it("normalizes a typed domain the way the lookup of a lost swap compares it", () => {
    expect(normalizeDomainName("  Replacement.Example.COM. ")).toBe("replacement.example.com");
  });

  it("asks for a replacement and a swap type before anything is claimed", () => {
    expect(checkSwapForm("", "standard")).toEqual({
      problem: { field: "replacement", problem: { kind: "required" } },
    });
    expect(checkSwapForm("not a domain", "standard")).toEqual({
      problem: { field: "replacement", problem: { kind: "not_a_domain", value: "not a domain" } },
    });
    expect(checkSwapForm("new.example.com", "")).toEqual({
      problem: { field: "swapType", problem: { kind: "required" } },
    });
    expect(checkSwapForm("new.example.com", "premium")).toEqual({ type: "premium" });
  });

  it("refuses the domain it retires and a premium swap of a domain that is not Microsoft", () => {
    expect(
      replacementMismatch("old.example.com", "standard", { name: "old.example.com", provider: "google" }),
    ).toEqual({
      problem: { field: "replacement", problem: { kind: "same_domain", domain: "old.example.com" } },
      why: "same",
    });
    expect(
      replacementMismatch("new.example.com", "premium", { name: "old.example.com", provider: "google" }),
    ).toEqual({
      problem: { field: "swapType", problem: { kind: "premium_needs_microsoft", provider: "google" } },
      why: "premium",
    });
    const microsoft = { name: "old.example.com", provider: "microsoft" };
    expect(replacementMismatch("new.example.com", "premium", microsoft)).toBeUndefined();
  });

  it("blocks only what can never work in the availability answer; a taken domain goes on to Peeker", () => {
    const domain = "new.example.com";
    expect(preCheckProblem({ available: false, reason: "invalid" }, domain, "google")).toEqual({
      field: "replacement",
      problem: { kind: "unavailable", domain, reason: "invalid" },
    });
    expect(preCheckProblem({ available: true, premium: true }, domain, "google")).toEqual({
      field: "replacement",
      problem: { kind: "unavailable", domain, reason: "premium" },
    });
    expect(preCheckProblem({ available: true, usable_for: ["microsoft"] }, domain, "google")).toEqual({
      field: "replacement",
      problem: { kind: "not_usable", domain, provider: "google", usableFor: ["microsoft"] },
    });
    expect(preCheckProblem({ available: false, reason: "taken" }, domain, "google")).toBeUndefined();
  });
});
