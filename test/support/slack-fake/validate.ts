/**
 * Block Kit checks the way Slack applies them, so a card that would be refused in production is refused here.
 * Limits from reference/slack-platform.md §3. Each problem is reported like Slack does:
 * "<what> [json-pointer:/blocks/0/text/text]".
 */

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  actionsElements: 25,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  inputLabel: 2000,
  selectOptions: 100,
  choiceOptions: 10,
  textInputMaxLength: 3000,
  viewTitle: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  messageText: 40_000,
  /**
   * Slack also refuses a message whose blocks are large in total (`msg_blocks_too_long`, seen near 13k characters
   * in bolt-js #2509) although every per-field limit holds; the fake counts the characters of every text and
   * refuses a little earlier, so a card that passes here has margin.
   */
  messageTotalText: 12_000,
} as const;

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

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.text === "string" ? value.text : undefined;
}

class Checker {
  readonly problems: string[] = [];

  fail(pointer: string, what: string): void {
    this.problems.push(`${what} [json-pointer:${pointer}]`);
  }

  textObject(value: unknown, pointer: string, max: number, plainOnly = false): void {
    if (!isObject(value) || typeof value.text !== "string") {
      this.fail(pointer, "must provide a text object");
      return;
    }
    if (value.type !== "plain_text" && value.type !== "mrkdwn")
      this.fail(`${pointer}/type`, "invalid text type");
    if (plainOnly && value.type !== "plain_text") this.fail(`${pointer}/type`, "must be plain_text");
    if (value.text.length === 0) this.fail(`${pointer}/text`, "must be more than 0 characters");
    if (value.text.length > max) this.fail(`${pointer}/text`, `must be less than ${max + 1} characters`);
  }

  element(element: unknown, pointer: string): void {
    if (!isObject(element) || typeof element.type !== "string") {
      this.fail(pointer, "missing required field: type");
      return;
    }
    if (typeof element.action_id === "string" && element.action_id.length > LIMITS.actionId) {
      this.fail(`${pointer}/action_id`, `must be less than ${LIMITS.actionId + 1} characters`);
    }
    switch (element.type) {
      case "button":
        this.textObject(element.text, `${pointer}/text`, LIMITS.buttonText, true);
        if (typeof element.value === "string" && element.value.length > LIMITS.buttonValue) {
          this.fail(`${pointer}/value`, `must be less than ${LIMITS.buttonValue + 1} characters`);
        }
        if (typeof element.url === "string" && element.url.length > LIMITS.buttonUrl) {
          this.fail(`${pointer}/url`, `must be less than ${LIMITS.buttonUrl + 1} characters`);
        }
        if (element.style !== undefined && element.style !== "primary" && element.style !== "danger") {
          this.fail(`${pointer}/style`, "must be one of primary, danger");
        }
        return;
      case "static_select":
      case "multi_static_select":
        this.options(element.options, pointer, LIMITS.selectOptions);
        return;
      case "checkboxes":
      case "radio_buttons":
        this.options(element.options, pointer, LIMITS.choiceOptions);
        return;
      case "plain_text_input":
        if (typeof element.max_length === "number" && element.max_length > LIMITS.textInputMaxLength) {
          this.fail(`${pointer}/max_length`, `must be at most ${LIMITS.textInputMaxLength}`);
        }
        return;
      default:
        return;
    }
  }

  options(options: unknown, pointer: string, max: number): void {
    if (options === undefined) return;
    if (!Array.isArray(options)) {
      this.fail(`${pointer}/options`, "must be an array");
      return;
    }
    if (options.length > max) this.fail(`${pointer}/options`, `must provide no more than ${max} items`);
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
      if (typeof block.block_id !== "string" || block.block_id.length > LIMITS.blockId) {
        this.fail(`${pointer}/block_id`, `must be a string of less than ${LIMITS.blockId + 1} characters`);
      } else if (blockIds.has(block.block_id)) {
        this.fail(`${pointer}/block_id`, "duplicate block_id");
      } else {
        blockIds.add(block.block_id);
      }
    }
    switch (block.type) {
      case "section":
        this.section(block, pointer);
        break;
      case "header":
        this.textObject(block.text, `${pointer}/text`, LIMITS.headerText, true);
        break;
      case "context":
        this.elements(block.elements, pointer, LIMITS.contextElements, (el, p) => {
          if (isObject(el) && (el.type === "mrkdwn" || el.type === "plain_text")) {
            this.textObject(el, p, LIMITS.sectionText);
          }
        });
        break;
      case "actions":
        this.actions(block, pointer);
        break;
      case "input":
        this.textObject(block.label, `${pointer}/label`, LIMITS.inputLabel, true);
        if (block.element === undefined) this.fail(`${pointer}/element`, "missing required field: element");
        else this.element(block.element, `${pointer}/element`);
        break;
      default:
        break;
    }
  }

  section(block: Json, pointer: string): void {
    if (block.text === undefined && block.fields === undefined) {
      this.fail(pointer, "must provide either text or fields");
    }
    if (block.text !== undefined) this.textObject(block.text, `${pointer}/text`, LIMITS.sectionText);
    if (block.fields !== undefined) {
      if (!Array.isArray(block.fields)) {
        this.fail(`${pointer}/fields`, "must be an array");
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

/** Arguments of chat.postMessage / chat.update / chat.postEphemeral, already parsed. */
export function validateMessage(args: Json): SlackError | undefined {
  const { blocks, text, attachments, metadata } = args;
  const hasText = typeof text === "string" && text.length > 0;
  if (blocks === undefined && !hasText && attachments === undefined) return { error: "no_text" };
  if (typeof text === "string" && text.length > LIMITS.messageText) return { error: "msg_too_long" };
  if (blocks !== undefined) {
    if (!Array.isArray(blocks)) return { error: "invalid_blocks_format" };
    if (blocks.length > LIMITS.messageBlocks) {
      return withMessages("invalid_blocks", [
        `must provide no more than ${LIMITS.messageBlocks} items [json-pointer:/blocks]`,
      ]);
    }
    const problems = blockProblems(blocks);
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

/** A modal (views.open / views.update) or Home tab (views.publish) as Slack checks it. */
export function validateView(view: unknown, expected: "modal" | "home" | "any"): SlackError | undefined {
  const fail = (problem: string) => withMessages("invalid_arguments", [problem]);
  if (!isObject(view)) return fail("missing required field: view [json-pointer:/view]");
  if (view.type !== "modal" && view.type !== "home")
    return fail("invalid view type [json-pointer:/view/type]");
  if (expected !== "any" && view.type !== expected) {
    return fail(`must be a ${expected} view [json-pointer:/view/type]`);
  }
  if (!Array.isArray(view.blocks)) return fail("missing required field: blocks [json-pointer:/view/blocks]");
  if (view.blocks.length > LIMITS.viewBlocks) {
    return fail(`must provide no more than ${LIMITS.viewBlocks} items [json-pointer:/view/blocks]`);
  }
  if (typeof view.private_metadata === "string" && view.private_metadata.length > LIMITS.privateMetadata) {
    return fail(
      `must be less than ${LIMITS.privateMetadata + 1} characters [json-pointer:/view/private_metadata]`,
    );
  }
  if (typeof view.callback_id === "string" && view.callback_id.length > LIMITS.callbackId) {
    return fail(`must be less than ${LIMITS.callbackId + 1} characters [json-pointer:/view/callback_id]`);
  }
  if (typeof view.external_id === "string" && view.external_id.length > LIMITS.externalId) {
    return fail(`must be less than ${LIMITS.externalId + 1} characters [json-pointer:/view/external_id]`);
  }
  if (view.type === "modal") {
    const title = textOf(view.title);
    if (title === undefined) return fail("missing required field: title [json-pointer:/view/title]");
    for (const key of ["title", "submit", "close"] as const) {
      const value = textOf(view[key]);
      if (value !== undefined && value.length > LIMITS.viewTitle) {
        return fail(`must be less than ${LIMITS.viewTitle + 1} characters [json-pointer:/view/${key}/text]`);
      }
    }
    const hasInput = view.blocks.some((b) => isObject(b) && b.type === "input");
    if (hasInput && view.submit === undefined) {
      return fail("must define submit to use an input block [json-pointer:/view]");
    }
  }
  const problems = blockProblems(view.blocks, "/view/blocks");
  if (problems.length > 0) return withMessages("invalid_arguments", problems);
  return undefined;
}
