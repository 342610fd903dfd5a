import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCardPublisher } from "../../src/bot/card-publisher.js";
import { outcomeInWords } from "../../src/bot/listeners/interaction-kit.js";
import { PeekerClient } from "../../src/peeker/client.js";
import { refreshFromPeeker } from "../../src/pending/refresh-from-peeker.js";
import type { ResolveDeps } from "../../src/pending/resolution.js";
import { submitNameservers } from "../../src/pending/resolve-nameservers.js";
import { resourceOf } from "../../src/pending/resource-model.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { type PeekerSim, startPeekerSim } from "../support/peeker-sim/server.js";
import { SIM_KEYS } from "../support/peeker-sim/state.js";

/**
 * *Send nameservers…* when the submit fails after its recording commit landed (review item 10): the customer
 * message is queued and will go out, so the person must not read "Nothing was changed; try again" (a retry
 * would message the customer twice). Real database and the Peeker simulator.
 */
describe("nameservers submit whose commit landed", () => {
  let database: TestDatabase;
  let sim: PeekerSim;
  const agent = new Agent();
  beforeAll(async () => {
    [database, sim] = await Promise.all([createTestDatabase(), startPeekerSim()]);
  });
  afterAll(async () => {
    await Promise.all([database.drop(), sim.close(), agent.close()]);
  });

  it("says the message was recorded, not that nothing changed, and keeps the one queued row", async () => {
    const db = database.handle.db;
    const { order, domains } = sim.control.seedOrder({
      domains: ["landed-ack.com"],
      email: "landed@acme.com",
    });
    const domain = domains[0]!;
    sim.control.requireAction("domain", domain.id, { reason: "update_nameservers" });
    const peeker = new PeekerClient({ apiKey: SIM_KEYS.full, baseUrl: sim.url, dispatcher: agent });
    const publisher = createCardPublisher("C0CARDS001");
    const resource = resourceOf({
      card_key: `update_nameservers:${domain.id}`,
      resource_kind: "domain",
      resource_id: domain.id,
      order_id: null,
      domain_id: domain.id,
      import_id: null,
      swap_id: null,
    });
    if (!resource) throw new Error("a domain card names its domain");
    await refreshFromPeeker({ db, publisher, sandbox: true, now: () => new Date() }, peeker, resource, {
      source: "peeker",
      cause: "test",
      lease: true,
    });
    const card = await db
      .selectFrom("pending_actions")
      .selectAll()
      .where("card_key", "=", `update_nameservers:${domain.id}`)
      .executeTakeFirstOrThrow();
    await db
      .insertInto("customer_channels")
      .values({
        user_id: order.user_id,
        email: order.email,
        channel: "C0CUSTOM01",
        linked_by: "U0TEST",
      })
      .execute();
    // Armed by the recording commit's own thread line ("Customer notified"), so only what runs after it fails.
    let recorded = false;
    const deps: ResolveDeps = {
      db,
      peeker,
      publisher: {
        publish: (trx, action) => publisher.publish(trx, action),
        threadLine: (trx, action, change) => {
          if (change.kind === "customer_notified") recorded = true;
          return publisher.threadLine(trx, action, change);
        },
      },
      clock: { now: () => new Date() },
      sandbox: true,
      // Runs right after the recording commit: its failure stands for an acknowledgement lost after COMMIT.
      wakeSender: () => {
        if (recorded) throw new Error("connection reset after the commit");
      },
      isOperator: async () => true,
    };

    const outcome = await submitNameservers(
      deps,
      { userId: "U0OPERATOR", pendingActionId: card.id },
      { message: "Please point landed-ack.com at ns1.peeker.example", sendTo: "customer" },
    );

    expect(outcome).toMatchObject({ kind: "failed" });
    if (outcome.kind === "done") throw new Error("unreachable");
    const words = outcomeInWords(outcome);
    expect(words).not.toContain("Nothing was changed");
    expect(words).toContain("Do not submit again");
    const queued = await db
      .selectFrom("customer_messages")
      .selectAll()
      .where("pending_action_id", "=", card.id)
      .execute();
    expect(queued).toHaveLength(1);
  });
});
