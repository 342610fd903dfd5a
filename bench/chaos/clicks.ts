import { ACTION_IDS, BLOCK_IDS, INPUT_ACTION_IDS, VIEW_CALLBACK_IDS } from "../../src/bot/action-ids.js";
import type { SlackFake, StoredMessage, StoredView } from "../../test/support/slack-fake/index.js";
import {
  buildBlockActions,
  buildViewSubmission,
  inputValue,
  interactionBody,
  nextTriggerId,
  postSigned,
} from "../../test/support/slack-signing.js";
import type { BotFleet } from "./bots.js";
import type { Prng } from "./prng.js";

type Json = Record<string, unknown>;

/**
 * Operators at work: pick an open card in the channel (as Slack shows it), press its resolving button on one
 * replica (a signed `block_actions`), wait for the modal the bot opens, fill it in and submit it (a signed
 * `view_submission`) to whichever replica the load balancer picks. With kills on, the replica receiving the
 * submit is sometimes SIGKILLed a moment later — while the flow waits on Peeker or is about to commit.
 */
export type Flow = "swap" | "nameservers" | "reorder";

export interface FlowRecord {
  flow: Flow;
  cardKey: string;
  pendingActionId: string;
  operator: string;
  /** How far it got: `no-form` (the modal never showed the form), `submitted`, `submit-failed`. */
  stage: "no-form" | "submitted" | "submit-failed";
  /** What the submit's answer said (errors / Working… / closed / HTTP status). */
  answer: string;
  killedDuring: boolean;
  /**
   * Customer-message marker (nameservers): each submit's text is unique, so a second copy is a duplicate. Fixed
   * width, so no marker is a prefix of another.
   */
  nonce: string | undefined;
  resource: { kind: "import" | "domain"; id: string } | undefined;
}

const FLOW_OF: Record<string, { flow: Flow; action: string; callback: string }> = {
  replace_domain: { flow: "swap", action: ACTION_IDS.swapOpen, callback: VIEW_CALLBACK_IDS.swapSubmit },
  update_nameservers: {
    flow: "nameservers",
    action: ACTION_IDS.nameserversOpen,
    callback: VIEW_CALLBACK_IDS.nameserversSubmit,
  },
  profile_picture_not_accessible: {
    flow: "reorder",
    action: ACTION_IDS.reorderOpen,
    callback: VIEW_CALLBACK_IDS.reorderSubmit,
  },
};

export const OPERATORS = ["U0CHAOSOP1", "U0CHAOSOP2", "U0CHAOSOP3"];
export const NONCE_PREFIX = "chaos-submit-";

export interface Clicker {
  /** Runs one flow end to end on a random open card; resolves when its submit was answered (or gave up). */
  runOne(): Promise<FlowRecord | undefined>;
  records(): FlowRecord[];
}

export function createClicker(options: {
  slack: SlackFake;
  channel: string;
  signingSecret: string;
  fleet: BotFleet;
  prng: Prng;
  tag: string;
  /** Kill the replica of a submit, sometimes (the kills option). */
  killDuringFlows: boolean;
  onNameserversSent: (resource: { kind: "import" | "domain"; id: string }) => void;
  resourceOf: (pendingActionId: string) => Promise<{ kind: "import" | "domain"; id: string } | undefined>;
}): Clicker {
  const { slack, prng } = options;
  const records: FlowRecord[] = [];
  const busy = new Set<string>();
  let seq = 0;

  const openCards = (): StoredMessage[] =>
    slack.channelMessages(options.channel).filter((m) => {
      const reason = String(m.metadata?.event_payload?.reason ?? "");
      const flow = FLOW_OF[reason];
      return flow !== undefined && JSON.stringify(m.blocks ?? []).includes(flow.action);
    });

  const post = (url: string, payload: Record<string, unknown>) =>
    postSigned(`${url}/slack/events`, interactionBody(payload), options.signingSecret);

  const waitForm = async (triggerId: string, callback: string): Promise<StoredView | undefined> => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const view = slack.views().find((v) => v.triggerId === triggerId);
      if (view && view.view.callback_id === callback) return view;
      if (view && view.history.length > 1 && view.view.callback_id !== VIEW_CALLBACK_IDS.loading)
        return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  };

  const valuesFor = (flow: Flow, view: StoredView, nonce: string): Record<string, Record<string, Json>> => {
    const blocks = (view.view.blocks as Block[] | undefined) ?? [];
    const ids = blocks.map((b) => b.block_id ?? "");
    switch (flow) {
      case "swap":
        return {
          [BLOCK_IDS.replacementDomain]: {
            [INPUT_ACTION_IDS.replacementDomain]: inputValue.text(`swapped-${options.tag}-${seq}.com`),
          },
          [BLOCK_IDS.swapType]: { [INPUT_ACTION_IDS.swapType]: inputValue.radio("standard") },
        };
      case "nameservers":
        return {
          [BLOCK_IDS.message]: {
            [INPUT_ACTION_IDS.message]: inputValue.text(
              `Please point your domains at our nameservers (${nonce}).`,
            ),
          },
          // What the modal offers first: the customer's channel when one is linked, else the card thread.
          [BLOCK_IDS.sendTo]: {
            [INPUT_ACTION_IDS.sendTo]: inputValue.radio(initialOption(blocks, BLOCK_IDS.sendTo)),
          },
        };
      case "reorder":
        return {
          ...Object.fromEntries(
            ids
              .filter((id) => id.startsWith("picture_url:"))
              .map((id) => [
                id,
                {
                  [INPUT_ACTION_IDS.pictureUrl]: {
                    type: "url_text_input",
                    value: `https://cdn.pics.test/${options.tag}-${seq}-${id.slice("picture_url:".length)}.png`,
                  },
                },
              ]),
          ),
          [BLOCK_IDS.cancelOriginal]: {
            [INPUT_ACTION_IDS.cancelOriginal]: inputValue.checkboxes(prng.chance(0.85) ? ["cancel"] : []),
          },
        };
    }
  };

  /** Presses the card's button on a live replica and waits for the form (or says what the modal showed). */
  const openForm = async (
    card: StoredMessage,
    spec: (typeof FLOW_OF)[string],
    operator: string,
    pendingActionId: string,
  ): Promise<{ form: StoredView } | { answer: string }> => {
    const pressAt = prng.pick(options.fleet.live());
    if (!pressAt) return { answer: "no live bot" };
    const triggerId = nextTriggerId();
    const press = buildBlockActions({
      actionId: spec.action,
      value: pendingActionId,
      userId: operator,
      channelId: options.channel,
      messageTs: card.ts,
      triggerId,
    });
    const pressed = await post(pressAt.url, press).catch(() => undefined);
    const form = pressed?.status === 200 ? await waitForm(triggerId, spec.callback) : undefined;
    if (form) return { form };
    const shown = slack.views().find((v) => v.triggerId === triggerId);
    if (!pressed) return { answer: "press failed" };
    return {
      answer: shown
        ? `modal: ${JSON.stringify(shown.view.blocks ?? []).slice(0, 160)}`
        : `press ${pressed.status}, no modal`,
    };
  };

  return {
    records: () => [...records],
    async runOne() {
      const card = prng.pick(
        openCards().filter((m) => !busy.has(String(m.metadata?.event_payload?.card_key))),
      );
      if (!card) return undefined;
      const payload = card.metadata!.event_payload;
      const cardKey = String(payload.card_key);
      const pendingActionId = String(payload.pending_action_id);
      const spec = FLOW_OF[String(payload.reason)]!;
      // One operator per card, so a card claimed by the first press stays workable.
      const operator =
        OPERATORS[[...cardKey].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % OPERATORS.length]!;
      seq++;
      const nonce =
        spec.flow === "nameservers"
          ? `${NONCE_PREFIX}${options.tag}-${String(seq).padStart(6, "0")}`
          : undefined;
      const record: FlowRecord = {
        flow: spec.flow,
        cardKey,
        pendingActionId,
        operator,
        stage: "no-form",
        answer: "",
        killedDuring: false,
        nonce,
        resource: undefined,
      };
      busy.add(cardKey);
      try {
        // Like a person: when the modal says Peeker or Slack failed, press again (up to three times).
        let opened: Awaited<ReturnType<typeof openForm>> = { answer: "" };
        for (let attempt = 1; attempt <= 3 && !("form" in opened); attempt++) {
          opened = await openForm(card, spec, operator, pendingActionId);
          if (!("form" in opened) && !/Could not finish|no modal|press failed/.test(opened.answer)) break;
        }
        if (!("form" in opened)) {
          record.answer = opened.answer;
          return record;
        }
        const form = opened.form;
        const submitAt = prng.pick(options.fleet.liveSlots());
        if (!submitAt) return record;
        record.resource = spec.flow === "nameservers" ? await options.resourceOf(pendingActionId) : undefined;
        const submission = buildViewSubmission({
          callbackId: spec.callback,
          privateMetadata: String(form.view.private_metadata ?? ""),
          viewId: form.id,
          hash: form.hash,
          values: valuesFor(spec.flow, form, nonce ?? ""),
          userId: operator,
        });
        if (options.killDuringFlows && prng.chance(0.3)) {
          record.killedDuring = true;
          const delay = prng.int(0, 1_500);
          setTimeout(
            () => options.fleet.kill(submitAt.slot, `during a ${spec.flow} submit`, prng.int(1_000, 4_000)),
            delay,
          );
        }
        const answer = await post(submitAt.bot.url, submission).catch((error: Error) => error);
        if (answer instanceof Error) {
          record.stage = "submit-failed";
          record.answer = `submit: ${answer.message}`;
          return record;
        }
        record.stage = answer.status === 200 ? "submitted" : "submit-failed";
        const text = JSON.stringify(answer.json ?? answer.text);
        const errors = (answer.json as { errors?: Record<string, string> } | undefined)?.errors;
        record.answer = errors
          ? `field errors: ${JSON.stringify(errors).slice(0, 160)}`
          : text.includes("Working")
            ? "working"
            : `${answer.status} ${text.slice(0, 80)}`;
        if (record.stage === "submitted" && record.resource && !errors)
          options.onNameserversSent(record.resource);
        return record;
      } finally {
        busy.delete(cardKey);
        records.push(record);
      }
    },
  };
}

interface Block {
  block_id?: string;
  element?: { initial_option?: { value?: string } };
}

function initialOption(blocks: Block[], blockId: string): string {
  return blocks.find((b) => b.block_id === blockId)?.element?.initial_option?.value ?? "thread";
}
