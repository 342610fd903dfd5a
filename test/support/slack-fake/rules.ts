/**
 * Every Slack limit the fake enforces, in one table, each with the page it comes from. The validator
 * (./validate.ts) reads limits only from here, so a rule is added or corrected in one place.
 *
 * Sources: the docs.slack.dev reference pages named in `source`, and the JSDoc of `@slack/types`
 * (node_modules/@slack/types/dist/block-kit/*.d.ts, views.d.ts), which links the same pages. Where the two
 * disagree the stricter wins (noted in `note`), so a payload the fake accepts is accepted by Slack.
 */

export interface SlackRule {
  /** The limit: a count of items or of UTF-16 code units, as Slack counts them. */
  limit: number;
  what: string;
  source: string;
  note?: string;
}

const REF = "https://docs.slack.dev/reference";
const BLOCKS = `${REF}/block-kit/blocks`;
const ELEMENTS = `${REF}/block-kit/block-elements`;
const OBJECTS = `${REF}/block-kit/composition-objects`;

export const RULES = {
  messageBlocks: { limit: 50, what: "blocks in a message", source: `${REF}/methods/chat.postMessage` },
  viewBlocks: { limit: 100, what: "blocks in a modal or Home tab", source: `${REF}/views` },
  blockId: { limit: 255, what: "block_id, unique in its message or view", source: BLOCKS },
  actionId: {
    limit: 255,
    what: "action_id, unique in its block",
    source: `${ELEMENTS}/button-element`,
  },
  sectionText: { limit: 3000, what: "section text", source: `${BLOCKS}/section-block` },
  sectionFields: { limit: 10, what: "section fields", source: `${BLOCKS}/section-block` },
  fieldText: { limit: 2000, what: "text of one section field", source: `${BLOCKS}/section-block` },
  headerText: { limit: 150, what: "header text (plain_text)", source: `${BLOCKS}/header-block` },
  contextElements: { limit: 10, what: "context elements", source: `${BLOCKS}/context-block` },
  contextText: {
    limit: 3000,
    what: "text of one context element",
    source: `${OBJECTS}/text-object`,
    note: "a text object is at most 3000 characters",
  },
  actionsElements: { limit: 25, what: "elements in an actions block", source: `${BLOCKS}/actions-block` },
  inputLabel: { limit: 2000, what: "input label (plain_text)", source: `${BLOCKS}/input-block` },
  inputHint: { limit: 2000, what: "input hint (plain_text)", source: `${BLOCKS}/input-block` },
  imageUrl: { limit: 3000, what: "image_url", source: `${BLOCKS}/image-block` },
  imageAltText: { limit: 2000, what: "image alt_text", source: `${BLOCKS}/image-block` },
  buttonText: { limit: 75, what: "button text (plain_text)", source: `${ELEMENTS}/button-element` },
  buttonValue: { limit: 2000, what: "button value", source: `${ELEMENTS}/button-element` },
  buttonUrl: { limit: 3000, what: "button url", source: `${ELEMENTS}/button-element` },
  buttonAccessibilityLabel: {
    limit: 75,
    what: "button accessibility_label",
    source: `${ELEMENTS}/button-element`,
  },
  selectOptions: { limit: 100, what: "options of a select menu", source: `${ELEMENTS}/select-menu-element` },
  choiceOptions: {
    limit: 10,
    what: "options of checkboxes or radio buttons",
    source: `${ELEMENTS}/checkboxes-element`,
  },
  optionText: { limit: 75, what: "option text", source: `${OBJECTS}/option-object` },
  optionDescription: { limit: 75, what: "option description", source: `${OBJECTS}/option-object` },
  optionValue: {
    limit: 75,
    what: "option value",
    source: `${OBJECTS}/option-object`,
    note: "the reference page says 150; @slack/types OptionDescriptor.value says 75: the stricter is kept",
  },
  placeholder: {
    limit: 150,
    what: "placeholder of an input element (plain_text)",
    source: `${ELEMENTS}/plain-text-input-element`,
  },
  textInputMaxLength: {
    limit: 3000,
    what: "max_length / min_length of a plain_text_input (1..3000); initial_value within max_length",
    source: `${ELEMENTS}/plain-text-input-element`,
  },
  confirmTitle: { limit: 100, what: "confirm dialog title", source: `${OBJECTS}/confirmation-dialog-object` },
  confirmText: { limit: 300, what: "confirm dialog text", source: `${OBJECTS}/confirmation-dialog-object` },
  confirmButton: {
    limit: 30,
    what: "confirm dialog confirm / deny",
    source: `${OBJECTS}/confirmation-dialog-object`,
  },
  viewTitle: {
    limit: 24,
    what: "modal title, submit and close (plain_text)",
    source: `${REF}/views/modal-views`,
  },
  privateMetadata: { limit: 3000, what: "view private_metadata", source: `${REF}/views` },
  callbackId: { limit: 255, what: "view callback_id", source: `${REF}/views` },
  externalId: { limit: 255, what: "view external_id", source: `${REF}/views` },
  viewBytes: {
    limit: 250_000,
    what: "serialized view (view_too_large)",
    source: `${REF}/methods/views.open`,
  },
  messageText: {
    limit: 40_000,
    what: "message text (msg_too_long)",
    source: `${REF}/methods/chat.postMessage`,
  },
  messageTotalText: {
    limit: 12_000,
    what: "characters of every text in a message's blocks (msg_blocks_too_long)",
    source: "https://github.com/slackapi/bolt-js/issues/2509",
    note: "not documented; Slack refused ~13.2k characters although every per-field limit held. The fake refuses a little earlier so a passing message has margin",
  },
} as const satisfies Record<string, SlackRule>;

export type RuleName = keyof typeof RULES;

/** The limits alone, by rule name (what tests and the validator compare with). */
export const LIMITS = Object.fromEntries(Object.entries(RULES).map(([name, rule]) => [name, rule.limit])) as {
  readonly [K in RuleName]: (typeof RULES)[K]["limit"];
};
