// The sync checks' extraction rules, one function each. Every rule reads the skill the way an agent would act on
// it and returns the places that name something the code does not have. To extend: add a rule here (pure: docs
// + truth in, problems out), give it a failing synthetic case in sync.test.ts, then run it on the real docs.
import { type CodeBlock, fencedBlocks, inlineCode, proseLines, type SkillDoc } from './skill-docs.js'
import type { CommandInfo, EnvTruth, RelayProbe } from './truth.js'

export interface Problem {
  readonly at: string
  readonly message: string
}

const at = (doc: SkillDoc, line: number) => `${doc.path}:${line}`

const SHELL_LANGS = new Set(['bash', 'sh', 'shell', 'console', ''])

/**
 * Shell segments an agent might run: each line of a ```bash block (comments cut at ` #`) and each inline code
 * span of the prose, split at `&&`, `||`, `|` and `;`.
 */
function shellSegments(doc: SkillDoc): { line: number; tokens: string[]; inline: boolean }[] {
  const out: { line: number; tokens: string[]; inline: boolean }[] = []
  const push = (line: number, text: string, inline: boolean) => {
    for (const part of text.split(/&&|\|\||[|;]/)) {
      const tokens = part.trim().split(/\s+/).filter(Boolean)
      if (tokens.length > 0) out.push({ line, tokens, inline })
    }
  }
  for (const block of fencedBlocks(doc.text).filter((b) => SHELL_LANGS.has(b.lang))) {
    block.code.split('\n').forEach((text, i) => {
      push(block.line + 1 + i, text.replace(/\s#.*$/, ''), false)
    })
  }
  proseLines(doc.text).forEach((text, i) => {
    for (const span of inlineCode(text)) push(i + 1, span, true)
  })
  return out
}

/**
 * RULE commands: where a segment runs `byok <command>` (also `npx [-y] byok`, `byok@<version>`), `create-byok`,
 * or `npm create byok@<version>` (= `byok create`), the command must exist in `createMainCommand`'s tree and
 * every `--flag` / `-f` after it must be one of its args (booleans also as `--no-<name>`; `--help` always).
 * A `byok` followed by something that is not a word (`byok -- …`, `byok …`) names no command and is skipped.
 * RULE loose flags: an inline span that is only a flag (`--relay-url <url>`) belongs to the last command named
 * earlier on the same prose line, or, with none, must be a flag of some command.
 */
export function checkCommands(docs: readonly SkillDoc[], tree: ReadonlyMap<string, CommandInfo>): Problem[] {
  const problems: Problem[] = []
  const anyFlag = new Set([...tree.values()].flatMap((c) => [...c.flags]))
  const checkFlag = (doc: SkillDoc, line: number, token: string, command: string | undefined) => {
    if (token === '--' || !token.startsWith('-') || /^-\d/.test(token)) return
    const name = token.replace(/^--?/, '').split('=')[0]!
    const flags = command === undefined ? anyFlag : tree.get(command)!.flags
    if (!flags.has(name)) {
      problems.push({
        at: at(doc, line),
        message: `${token} is not a flag of ${command === undefined ? 'any byok command' : `byok ${command}`}`,
      })
    }
  }
  for (const doc of docs) {
    let lastLine = -1
    let lastCommand: string | undefined
    for (const { line, tokens, inline } of shellSegments(doc)) {
      if (line !== lastLine) lastCommand = undefined
      lastLine = line
      const found = findCommand(tokens)
      if (found === undefined) {
        if (inline && tokens[0]!.startsWith('-')) checkFlag(doc, line, tokens[0]!, lastCommand)
        continue
      }
      if (!tree.has(found.command)) {
        problems.push({ at: at(doc, line), message: `byok ${found.command} is not a command` })
        continue
      }
      lastCommand = found.command
      for (const token of found.rest) checkFlag(doc, line, token, found.command)
    }
  }
  return problems
}

function findCommand(tokens: readonly string[]): { command: string; rest: string[] } | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!
    if (token === 'create-byok') return { command: 'create', rest: tokens.slice(i + 1) }
    if (token !== 'byok' && !token.startsWith('byok@')) continue
    if (tokens[i - 1] === 'create' || tokens[i - 1] === 'init') {
      return { command: 'create', rest: tokens.slice(i + 1) }
    }
    const next = tokens[i + 1]
    if (next !== undefined && /^[a-z][a-z-]*$/.test(next)) return { command: next, rest: tokens.slice(i + 2) }
  }
  return undefined
}

const SNAKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/

/**
 * RULE identifiers: an inline code span that is a snake_case identifier (after dropping a trailing `?` and
 * anything from `:` on, so `key_env: "X"` is `key_env`) must be known: an MCP tool, prompt or tool field, a relay
 * wire field (OpenAPI), a relay or CLI error code, or in `extra`. This is how tool names and error codes are
 * checked. Code inside fenced blocks is not read by this rule.
 */
export function checkIdentifiers(docs: readonly SkillDoc[], known: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = []
  for (const doc of docs) {
    proseLines(doc.text).forEach((text, i) => {
      for (const span of inlineCode(text)) {
        const name = span.split(':')[0]!.trim().replace(/\?$/, '')
        if (SNAKE.test(name) && !known.has(name)) {
          problems.push({
            at: at(doc, i + 1),
            message: `\`${name}\` is no MCP tool, prompt, field or error code`,
          })
        }
      }
    })
  }
  return problems
}

/**
 * RULE tool inputs: in a markdown table whose header has a cell `input`, a row whose first cell is a tool name
 * may list in that column only the tool's input properties (as `name` or `name?`).
 */
export function checkToolInputs(
  docs: readonly SkillDoc[],
  tools: ReadonlyMap<string, ReadonlySet<string>>,
): Problem[] {
  const problems: Problem[] = []
  for (const doc of docs) {
    let inputColumn = -1
    proseLines(doc.text).forEach((text, i) => {
      if (!text.startsWith('|')) {
        inputColumn = -1
        return
      }
      const cells = text
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim())
      const header = cells.indexOf('input')
      if (header >= 0) {
        inputColumn = header
        return
      }
      if (inputColumn < 0) return
      const tool = inlineCode(cells[0] ?? '')[0]
      const inputs = tool === undefined ? undefined : tools.get(tool)
      if (inputs === undefined) {
        if (tool !== undefined && SNAKE.test(tool)) {
          problems.push({ at: at(doc, i + 1), message: `\`${tool}\` is not a registered MCP tool` })
        }
        return
      }
      for (const span of inlineCode(cells[inputColumn] ?? '')) {
        const name = span.replace(/\?$/, '')
        if (!inputs.has(name)) {
          problems.push({ at: at(doc, i + 1), message: `${tool} has no input \`${name}\`` })
        }
      }
    })
  }
  return problems
}

// An upper-case name with at least one underscore, not part of a longer word or a `PREFIX_*` pattern.
const ENV_NAME = /(?<![A-Za-z0-9_$])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9_*])/g

/**
 * RULE env vars: anywhere in the text (prose and every code block), an upper-case name with an underscore must be
 * read by the relay (`CONFIG_VARIABLES`, `<ID>_BASE_URL`), the CLI or the MCP server (`env.NAME` in their
 * sources), be a template's public variable, or be a provider-key variable of the user's app as the codemod
 * recognises them (`KEY_ENV_NAME`: what the skill tells people to remove).
 */
export function checkEnvVars(docs: readonly SkillDoc[], env: EnvTruth): Problem[] {
  const problems: Problem[] = []
  for (const doc of docs) {
    doc.text.split('\n').forEach((text, i) => {
      for (const [name] of text.matchAll(ENV_NAME)) {
        if (!env.known.has(name) && !env.isProviderKeyName(name)) {
          problems.push({ at: at(doc, i + 1), message: `${name} is not an environment variable byok reads` })
        }
      }
    })
  }
  return problems
}

/**
 * RULE routes: anywhere in the text, `GET|POST|PUT|PATCH|DELETE /path` (query included, `:param` segments as
 * written) must be answered by the relay built with every optional route on, as anything but 404 `not_found`
 * or 405. Paths written without a method are not checked.
 */
export async function checkRoutes(docs: readonly SkillDoc[], relay: RelayProbe): Promise<Problem[]> {
  const problems: Problem[] = []
  for (const doc of docs) {
    const lines = doc.text.split('\n')
    for (let i = 0; i < lines.length; i++) {
      for (const m of lines[i]!.matchAll(/\b(GET|POST|PUT|PATCH|DELETE) (\/[A-Za-z0-9_:./?=&*-]*)/g)) {
        const path = m[2]!.replace(/[.,]+$/, '')
        if (!(await relay.hasRoute(m[1]!, path))) {
          problems.push({ at: at(doc, i + 1), message: `the relay has no route ${m[1]} ${path}` })
        }
      }
    }
  }
  return problems
}

/**
 * RULE error catalogue: troubleshooting.md has one `### \`code\`` heading per code; every relay code has one,
 * and every heading is a relay or CLI code.
 */
export function checkErrorCatalogue(
  doc: SkillDoc,
  codes: { relay: ReadonlySet<string>; cli: ReadonlySet<string> },
): Problem[] {
  const headings = [...doc.text.matchAll(/^### `([a-z0-9_]+)`$/gm)].map((m) => m[1]!)
  const problems: Problem[] = []
  for (const code of codes.relay) {
    if (!headings.includes(code))
      problems.push({ at: doc.path, message: `relay code ${code} is not documented` })
  }
  for (const code of headings) {
    if (!codes.relay.has(code) && !codes.cli.has(code)) {
      problems.push({ at: doc.path, message: `${code} is neither a relay nor a CLI error code` })
    }
  }
  return problems
}

/**
 * RULE ts snippets: every ```ts block must start with `// file: <path>` (relative to the app root); the blocks
 * of one doc are written to those paths with `@byok/client` resolving to its published declarations, and must type-check.
 * Returns the files to write per doc; the test runs tsc over them.
 */
export function collectSnippets(doc: SkillDoc): { files: Map<string, string>; problems: Problem[] } {
  const files = new Map<string, string>()
  const problems: Problem[] = []
  for (const block of fencedBlocks(doc.text).filter((b: CodeBlock) => b.lang === 'ts')) {
    const path = block.code.match(/^\/\/ file: (\S+)\n/)?.[1]
    if (path === undefined) {
      problems.push({ at: at(doc, block.line), message: 'a ts block must start with `// file: <path>`' })
    } else if (files.has(path)) {
      problems.push({ at: at(doc, block.line), message: `${path} is written by two ts blocks` })
    } else {
      files.set(path, block.code)
    }
  }
  return { files, problems }
}

/** RULE links: every relative markdown link resolves to a file of the repository. */
export function checkLinks(docs: readonly SkillDoc[], exists: (path: string) => boolean): Problem[] {
  const problems: Problem[] = []
  for (const doc of docs) {
    const dir = doc.path.includes('/') ? doc.path.slice(0, doc.path.lastIndexOf('/') + 1) : ''
    proseLines(doc.text).forEach((text, i) => {
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!
        if (target === '' || /^[a-z]+:/.test(target)) continue
        if (!exists(dir + target)) problems.push({ at: at(doc, i + 1), message: `broken link ${m[1]}` })
      }
    })
  }
  return problems
}
