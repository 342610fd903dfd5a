/**
 * Block Kit checks the way Slack applies them, so a payload that would be refused in production is refused here.
 * Every limit comes from the rule table in ./rules.ts (with the doc page of each). Each problem is reported as
 * Slack does: "<what> [json-pointer:/blocks/0/text/text]", in `errors` and `response_metadata.messages`.
 */
import { LIMITS } from "./rules.js";

export { LIMITS, RULES } from "./rules.js";

export interface SlackError {
  error: string;
  errors?: string[];
  response_metadata?: { messages: string[] };
}

type Json = Record<string, unknown>;

const BLOCK_TYPES = new Set([
  "section",
  "header",
  "context",
  "actions",
  "divider",
  "image",
  "input",
  "rich_text",
  "markdown",
  "file",
  "video",
  "table",
]);

/** Element types that may be the element of an input block (block-kit/blocks/input-block). */
const INPUT_ELEMENTS = new Set([
  "plain_text_input",
  "url_text_input",
  "email_text_input",
  "number_input",
  "checkboxes",
  "radio_buttons",
  "static_select",
  "multi_static_select",
  "users_select",
  "multi_users_select",
  "conversations_select",
  "multi_conversations_select",
  "channels_select",
  "multi_channels_select",
  "external_select",
  "multi_external_select",
  "datepicker",
  "timepicker",
  "datetimepicker",
  "rich_text_input",
  "file_input",
]);

const SELECTS = new Set(["static_select", "multi_static_select", "overflow"]);
const CHOICES = new Set(["checkboxes", "radio_buttons"]);
const TEXT_INPUTS = new Set(["plain_text_input", "url_text_input", "email_text_input", "number_input"]);

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.text === "string" ? value.text : undefined;
}

const tooLong = (max: number) => `must be less than ${max + 1} characters`;

class Checker {
  readonly problems: string[] = [];

  fail(pointer: string, what: string): void {
    this.problems.push(`${what} [json-pointer:${pointer}]`);
  }

  string(value: unknown, pointer: string, max: number, required = false): void {
    if (value === undefined) {
      if (required) this.fail(pointer, "missing required field");
      return;
    }
    if (typeof value !== "string") this.fail(pointer, "must be a string");
    else if (value.length > max) this.fail(pointer, tooLong(max));
    else if (required && value.length === 0) this.fail(pointer, "must be more than 0 characters");
  }

  textObject(value: unknown, pointer: string, max: number, plainOnly = false): void {
    if (!isObject(value) || typeof value.text !== "string") {
      this.fail(pointer, "must provide a text object");
      return;
    }
    if (value.type !== "plain_text" && value.type !== "mrkdwn")
      this.fail(`${pointer}/type`, "invalid text type");
    if (plainOnly && value.type !== "plain_text") this.fail(`${pointer}/type`, "must be plain_text");
    if (value.type === "mrkdwn" && value.emoji !== undefined)
      this.fail(`${pointer}/emoji`, "not allowed on mrkdwn");
    if (value.text.length === 0) this.fail(`${pointer}/text`, "must be more than 0 characters");
    if (value.text.length > max) this.fail(`${pointer}/text`, tooLong(max));
  }

  optionalText(value: unknown, pointer: string, max: number, plainOnly = true): void {
    if (value !== undefined) this.textObject(value, pointer, max, plainOnly);
  }

  element(element: unknown, pointer: string): void {
    if (!isObject(element) || typeof element.type !== "string") {
      this.fail(pointer, "missing required field: type");
      return;
    }
    this.string(element.action_id, `${pointer}/action_id`, LIMITS.actionId);
    if (element.confirm !== undefined) this.confirm(element.confirm, `${pointer}/confirm`);
    if (element.type === "button") this.button(element, pointer);
    else if (SELECTS.has(element.type)) this.options(element, pointer, LIMITS.selectOptions, true);
    else if (CHOICES.has(element.type)) this.options(element, pointer, LIMITS.choiceOptions, false);
    else if (element.type === "image") {
      this.string(element.image_url, `${pointer}/image_url`, LIMITS.imageUrl, true);
      this.string(element.alt_text, `${pointer}/alt_text`, LIMITS.imageAltText, true);
    }
    if (TEXT_INPUTS.has(element.type)) this.textInput(element, pointer);
    else if (element.placeholder !== undefined) {
      this.textObject(element.placeholder, `${pointer}/placeholder`, LIMITS.placeholder, true);
    }
  }

  button(element: Json, pointer: string): void {
    this.textObject(element.text, `${pointer}/text`, LIMITS.buttonText, true);
    this.string(element.value, `${pointer}/value`, LIMITS.buttonValue);
    this.string(element.url, `${pointer}/url`, LIMITS.buttonUrl);
    this.string(
      element.accessibility_label,
      `${pointer}/accessibility_label`,
      LIMITS.buttonAccessibilityLabel,
    );
    if (element.style !== undefined && element.style !== "primary" && element.style !== "danger") {
      this.fail(`${pointer}/style`, "must be one of primary, danger");
    }
  }

  textInput(element: Json, pointer: string): void {
    this.optionalText(element.placeholder, `${pointer}/placeholder`, LIMITS.placeholder);
    const max = element.max_length;
    const min = element.min_length;
    const limit = LIMITS.textInputMaxLength;
    if (max !== undefined && (typeof max !== "number" || max < 1 || max > limit)) {
      this.fail(`${pointer}/max_length`, `must be between 1 and ${limit}`);
    }
    if (min !== undefined && (typeof min !== "number" || min < 0 || min > limit)) {
      this.fail(`${pointer}/min_length`, `must be between 0 and ${limit}`);
    }
    if (typeof min === "number" && typeof max === "number" && min > max) {
      this.fail(`${pointer}/min_length`, "must not exceed max_length");
    }
    const initial = element.initial_value;
    if (initial === undefined) return;
    if (typeof initial !== "string") {
      if (element.type !== "number_input") this.fail(`${pointer}/initial_value`, "must be a string");
      return;
    }
    const cap = typeof max === "number" ? Math.min(max, limit) : limit;
    if (initial.length > cap)
      this.fail(`${pointer}/initial_value`, `must be at most max_length (${cap}) characters`);
  }

  options(element: Json, pointer: string, max: number, plainOnly: boolean): void {
    const options = element.options;
    if (!Array.isArray(options) || options.length === 0) {
      // A select may take option_groups instead; checkboxes and radio buttons may not.
      if (!(plainOnly && Array.isArray(element.option_groups)))
        this.fail(`${pointer}/options`, "must provide at least 1 item");
      return;
    }
    if (options.length > max) this.fail(`${pointer}/options`, `must provide no more than ${max} items`);
    const values = new Set<string>();
    options.forEach((option, i) => {
      this.option(option, `${pointer}/options/${i}`, plainOnly);
      if (isObject(option) && typeof option.value === "string") {
        if (values.has(option.value)) this.fail(`${pointer}/options/${i}/value`, "duplicate option value");
        values.add(option.value);
      }
    });
    const known = new Set(options.map(optionKey));
    const initial =
      element.initial_options ?? (element.initial_option === undefined ? [] : [element.initial_option]);
    const where = element.initial_options !== undefined ? "initial_options" : "initial_option";
    if (!Array.isArray(initial)) this.fail(`${pointer}/${where}`, "must be an array");
    else
      initial.forEach((option, i) => {
        if (!known.has(optionKey(option)))
          this.fail(`${pointer}/${where}/${i}`, "must match one of the options");
      });
  }

  option(option: unknown, pointer: string, plainOnly: boolean): void {
    if (!isObject(option)) {
      this.fail(pointer, "must be an option object");
      return;
    }
    this.textObject(option.text, `${pointer}/text`, LIMITS.optionText, plainOnly);
    this.string(option.value, `${pointer}/value`, LIMITS.optionValue, true);
    this.optionalText(option.description, `${pointer}/description`, LIMITS.optionDescription);
  }

  confirm(confirm: unknown, pointer: string): void {
    if (!isObject(confirm)) {
      this.fail(pointer, "must be a confirmation dialog object");
      return;
    }
    this.optionalText(confirm.title, `${pointer}/title`, LIMITS.confirmTitle);
    this.textObject(confirm.text, `${pointer}/text`, LIMITS.confirmText);
    this.optionalText(confirm.confirm, `${pointer}/confirm`, LIMITS.confirmButton);
    this.optionalText(confirm.deny, `${pointer}/deny`, LIMITS.confirmButton);
  }

  block(block: unknown, pointer: string, blockIds: Set<string>): void {
    if (!isObject(block) || typeof block.type !== "string") {
      this.fail(pointer, "missing required field: type");
      return;
    }
    if (!BLOCK_TYPES.has(block.type)) {
      this.fail(`${pointer}/type`, `unsupported type: ${block.type}`);
      return;
    }
    if (block.block_id !== undefined) {
      if (
        typeof block.block_id !== "string" ||
        block.block_id.length === 0 ||
        block.block_id.length > LIMITS.blockId
      ) {
        this.fail(`${pointer}/block_id`, `must be a string of 1 to ${LIMITS.blockId} characters`);
      } else if (blockIds.has(block.block_id)) {
        this.fail(`${pointer}/block_id`, "duplicate block_id");
      } else {
        blockIds.add(block.block_id);
      }
    }
    switch (block.type) {
      case "section":
        this.section(block, pointer);
        return;
      case "header":
        this.textObject(block.text, `${pointer}/text`, LIMITS.headerText, true);
        return;
      case "context":
        this.elements(block.elements, pointer, LIMITS.contextElements, (el, p) => {
          if (isObject(el) && el.type === "image") this.element(el, p);
          else this.textObject(el, p, LIMITS.contextText);
        });
        return;
      case "actions":
        this.actions(block, pointer);
        return;
      case "image":
        this.string(block.image_url, `${pointer}/image_url`, LIMITS.imageUrl, true);
        this.string(block.alt_text, `${pointer}/alt_text`, LIMITS.imageAltText, true);
        return;
      case "input":
        this.input(block, pointer);
        return;
      default:
        return;
    }
  }

  section(block: Json, pointer: string): void {
    if (block.text === undefined && block.fields === undefined)
      this.fail(pointer, "must provide either text or fields");
    if (block.text !== undefined) this.textObject(block.text, `${pointer}/text`, LIMITS.sectionText);
    if (block.fields !== undefined) {
      if (!Array.isArray(block.fields) || block.fields.length === 0) {
        this.fail(`${pointer}/fields`, "must provide at least 1 item");
      } else {
        if (block.fields.length > LIMITS.sectionFields) {
          this.fail(`${pointer}/fields`, `must provide no more than ${LIMITS.sectionFields} items`);
        }
        block.fields.forEach((f, i) => {
          this.textObject(f, `${pointer}/fields/${i}`, LIMITS.fieldText);
        });
      }
    }
    if (block.accessory !== undefined) this.element(block.accessory, `${pointer}/accessory`);
  }

  input(block: Json, pointer: string): void {
    this.textObject(block.label, `${pointer}/label`, LIMITS.inputLabel, true);
    this.optionalText(block.hint, `${pointer}/hint`, LIMITS.inputHint);
    const element = block.element;
    if (element === undefined) {
      this.fail(`${pointer}/element`, "missing required field: element");
      return;
    }
    if (isObject(element) && typeof element.type === "string" && !INPUT_ELEMENTS.has(element.type)) {
      this.fail(`${pointer}/element/type`, `unsupported type in an input block: ${element.type}`);
    }
    this.element(element, `${pointer}/element`);
  }

  actions(block: Json, pointer: string): void {
    const seen = new Set<string>();
    this.elements(block.elements, pointer, LIMITS.actionsElements, (el, p) => {
      this.element(el, p);
      if (isObject(el) && typeof el.action_id === "string") {
        if (seen.has(el.action_id)) this.fail(`${p}/action_id`, "duplicate action_id in block");
        seen.add(el.action_id);
      }
    });
  }

  elements(
    elements: unknown,
    pointer: string,
    max: number,
    each: (el: unknown, pointer: string) => void,
  ): void {
    if (!Array.isArray(elements) || elements.length === 0) {
      this.fail(`${pointer}/elements`, "must provide at least 1 item");
      return;
    }
    if (elements.length > max) this.fail(`${pointer}/elements`, `must provide no more than ${max} items`);
    elements.forEach((el, i) => {
      each(el, `${pointer}/elements/${i}`);
    });
  }
}

/** What identifies an option when Slack matches `initial_option(s)` against `options`: its text and value. */
function optionKey(option: unknown): string {
  if (!isObject(option)) return "";
  const text = isObject(option.text) ? option.text : {};
  return JSON.stringify([text.type, text.text, option.value]);
}

/** Characters of every `text` string in a structure, the quantity Slack's aggregate limit is about. */
export function totalTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, v) => sum + totalTextLength(v), 0);
  if (!isObject(value)) return 0;
  let sum = 0;
  for (const [key, v] of Object.entries(value)) {
    if (key === "text" && typeof v === "string") sum += v.length;
    else sum += totalTextLength(v);
  }
  return sum;
}

/** Problems in a block list, empty when Slack would accept it. */
export function blockProblems(blocks: unknown[], pointer = "/blocks"): string[] {
  const checker = new Checker();
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    checker.block(block, `${pointer}/${i}`, blockIds);
  });
  return checker.problems;
}

function withMessages(error: string, problems: string[]): SlackError {
  return { error, errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
}

/** Arguments of chat.postMessage / chat.update / chat.postEphemeral or a response_url post, already parsed. */
export function validateMessage(args: Json): SlackError | undefined {
  const { blocks, text, attachments, metadata } = args;
  const hasText = typeof text === "string" && text.length > 0;
  if (blocks === undefined && !hasText && attachments === undefined) return { error: "no_text" };
  if (typeof text === "string" && text.length > LIMITS.messageText) return { error: "msg_too_long" };
  if (blocks !== undefined) {
    if (!Array.isArray(blocks)) return { error: "invalid_blocks_format" };
    const problems =
      blocks.length > LIMITS.messageBlocks
        ? [`must provide no more than ${LIMITS.messageBlocks} items [json-pointer:/blocks]`]
        : blockProblems(blocks);
    if (problems.length > 0) return withMessages("invalid_blocks", problems);
    if (totalTextLength(blocks) > LIMITS.messageTotalText) return { error: "msg_blocks_too_long" };
  }
  if (metadata !== undefined) {
    if (
      !isObject(metadata) ||
      typeof metadata.event_type !== "string" ||
      metadata.event_type.length === 0 ||
      !isObject(metadata.event_payload)
    ) {
      return { error: "invalid_metadata_format" };
    }
  }
  return undefined;
}

/** A modal (views.open / views.update / a `response_action`) or Home tab (views.publish) as Slack checks it. */
export function validateView(view: unknown, expected: "modal" | "home" | "any"): SlackError | undefined {
  const fail = (problem: string) => withMessages("invalid_arguments", [problem]);
  if (!isObject(view)) return fail("missing required field: view [json-pointer:/view]");
  if (view.type !== "modal" && view.type !== "home")
    return fail("invalid view type [json-pointer:/view/type]");
  if (expected !== "any" && view.type !== expected)
    return fail(`must be a ${expected} view [json-pointer:/view/type]`);
  if (!Array.isArray(view.blocks)) return fail("missing required field: blocks [json-pointer:/view/blocks]");
  if (JSON.stringify(view).length > LIMITS.viewBytes) return { error: "view_too_large" };
  const checker = new Checker();
  if (view.blocks.length > LIMITS.viewBlocks) {
    checker.fail("/view/blocks", `must provide no more than ${LIMITS.viewBlocks} items`);
  }
  checker.string(view.private_metadata, "/view/private_metadata", LIMITS.privateMetadata);
  checker.string(view.callback_id, "/view/callback_id", LIMITS.callbackId);
  checker.string(view.external_id, "/view/external_id", LIMITS.externalId);
  if (view.type === "modal") {
    if (textOf(view.title) === undefined) checker.fail("/view/title", "missing required field: title");
    for (const key of ["title", "submit", "close"] as const) {
      if (view[key] !== undefined) checker.textObject(view[key], `/view/${key}`, LIMITS.viewTitle, true);
    }
    const hasInput = view.blocks.some((b) => isObject(b) && b.type === "input");
    if (hasInput && view.submit === undefined)
      checker.fail("/view", "must define submit to use an input block");
  }
  const problems = [...checker.problems, ...blockProblems(view.blocks, "/view/blocks")];
  return problems.length > 0 ? withMessages("invalid_arguments", problems) : undefined;
}
