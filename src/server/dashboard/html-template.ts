/**
 * HTML built from tagged templates that escape every interpolated value: a page can only
 * contain markup that was written in a template here, never markup that came from data.
 */

/** Markup already escaped (the result of `html`), interpolated as it is. */
export class SafeHtml {
  constructor(readonly markup: string) {}

  toString(): string {
    return this.markup
  }
}

/** What a template may interpolate: text (escaped), markup, nothing, or a list of them. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[]

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text made safe for element content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char)
}

/**
 * `html\`<td>${name}</td>\`` escapes `name`; nested `html` results and lists of them are
 * kept as markup; `null`, `undefined` and `false` render nothing.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? ''
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? '')
  })
  return new SafeHtml(markup)
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.markup
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(String(value))
}

/**
 * Data for the page's script, as `<script type="application/json">`: `<` is written as
 * `\u003c`, so no value can close the element, and the browser never runs it.
 */
export function jsonScript(id: string, data: unknown): SafeHtml {
  const json = JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
  return new SafeHtml(`<script type="application/json" id="${escapeHtml(id)}">${json}</script>`)
}
