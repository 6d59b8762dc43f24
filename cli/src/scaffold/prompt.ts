import { createInterface } from 'node:readline/promises'
import { CliError } from '../errors.js'

/** Asks the human at the terminal. Only used when stdin and stdout are a TTY and `--yes` was not given. */
export interface Prompter {
  readonly interactive: boolean
  /** Free text with a default (returned when the answer is empty). */
  text(question: string, fallback: string): Promise<string>
  /** One of `choices` by number or name; the first is the default. */
  choose(question: string, choices: readonly { name: string; description: string }[]): Promise<string>
  close(): void
}

/** The terminal prompter. The one place in `create` that looks at `process`, because prompts need the TTY. */
export function createTtyPrompter(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Prompter {
  const interactive = Boolean(input.isTTY && output.isTTY)
  let rl: ReturnType<typeof createInterface> | undefined
  const ask = async (question: string) => {
    rl ??= createInterface({ input, output })
    // Ctrl-C (readline's SIGINT) or Ctrl-D (close) must end the prompt, not leave it waiting for ever.
    const cancel = new AbortController()
    const onCancel = () => cancel.abort()
    rl.once('SIGINT', onCancel).once('close', onCancel)
    try {
      return await rl.question(question, { signal: cancel.signal })
    } catch (error) {
      if (cancel.signal.aborted) throw new CliError('cancelled', { code: 'cancelled', cause: error })
      throw error
    } finally {
      rl.off('SIGINT', onCancel).off('close', onCancel)
    }
  }
  return {
    interactive,
    async text(question, fallback) {
      const answer = (await ask(`${question} (${fallback}): `)).trim()
      return answer || fallback
    },
    async choose(question, choices) {
      const list = choices.map((c, i) => `  ${i + 1}. ${c.name.padEnd(10)} ${c.description}`).join('\n')
      for (;;) {
        const answer = (await ask(`${question}\n${list}\nNumber or name (1): `)).trim()
        if (!answer) return choices[0]!.name
        const byNumber = choices[Number(answer) - 1]
        const picked = /^\d+$/.test(answer) ? byNumber : choices.find((c) => c.name === answer)
        if (picked) return picked.name
        output.write(`"${answer}" is not one of the choices.\n`)
      }
    },
    close() {
      rl?.close()
    },
  }
}
