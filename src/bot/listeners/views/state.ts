import type { ViewOutput } from "@slack/bolt";

/**
 * Reading a submitted modal's inputs (`view.state.values[block_id][action_id]`) at the edge, so the domain gets
 * typed values and never `unknown`.
 */

export type ViewStateValues = ViewOutput["state"]["values"];

function element(values: ViewStateValues, blockId: string, actionId: string) {
  return values[blockId]?.[actionId];
}

/** The text of a text, URL or email input; undefined when the block is absent. */
export function textOf(values: ViewStateValues, blockId: string, actionId: string): string | undefined {
  const value = element(values, blockId, actionId)?.value;
  return typeof value === "string" ? value : value === null ? "" : undefined;
}

export function selectedOf(values: ViewStateValues, blockId: string, actionId: string): string | undefined {
  const option = element(values, blockId, actionId)?.selected_option;
  return option && typeof option.value === "string" ? option.value : undefined;
}

export function selectedManyOf(values: ViewStateValues, blockId: string, actionId: string): string[] {
  const options = element(values, blockId, actionId)?.selected_options;
  return Array.isArray(options) ? options.flatMap((o) => (typeof o.value === "string" ? [o.value] : [])) : [];
}

/** Every block id of the submitted view's state. */
export function blockIdsOf(values: ViewStateValues): string[] {
  return Object.keys(values);
}
