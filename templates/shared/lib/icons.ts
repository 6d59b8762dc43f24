// The few icons the chat uses (24×24 strokes in currentColor, after Lucide's style). Constant markup, never text
// from the model or the user: safe for innerHTML.

const svg = (body: string) =>
  `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`

export const ICONS = {
  brand: svg(
    '<path d="M21 2l-2 2m-7.6 7.6a5.5 5.5 0 1 1-7.8 7.8 5.5 5.5 0 0 1 7.8-7.8zm0 0L15.5 7.5m0 0 3 3L22 7l-3-3m-3.5 3.5L19 4"/>',
  ),
  send: svg('<path d="M12 19V5"/><path d="m5 12 7-7 7 7"/>'),
  stop: '<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="6" y="6" width="12" height="12" rx="2" fill="currentColor"/></svg>',
  plus: svg('<path d="M12 5v14"/><path d="M5 12h14"/>'),
  key: svg(
    '<circle cx="7.5" cy="15.5" r="4.5"/><path d="m21 2-9.6 9.6"/><path d="m15.5 7.5 3 3L22 7l-3-3"/>',
  ),
  retry: svg('<path d="M3 12a9 9 0 1 0 3-6.7L3 8"/><path d="M3 3v5h5"/>'),
  close: svg('<path d="M18 6 6 18"/><path d="m6 6 12 12"/>'),
  external: svg(
    '<path d="M15 3h6v6"/><path d="M10 14 21 3"/><path d="M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6"/>',
  ),
} as const

export type IconName = keyof typeof ICONS

/** Prompts offered on an empty chat. */
export const SUGGESTIONS = [
  'Explain server-sent events in one paragraph',
  'Write a TypeScript debounce function',
  'Draft a friendly release note for v1.0',
] as const
