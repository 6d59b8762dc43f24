import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** Runs git in `dir` with a fixed identity and no user/system config, so commits work on any machine. */
export function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=byok-test', '-c', 'user.email=test@byok.invalid', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: 'pipe',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    },
  })
}

/** Commits everything `dir` holds, making it a repository first: `byok integrate` refuses a dirty tree. */
export function commitAll(dir: string, message = 'the app before byok integrate'): void {
  if (!existsSync(join(dir, '.git'))) git(dir, ['init', '-q', '-b', 'main'])
  git(dir, ['add', '-A'])
  git(dir, ['commit', '-q', '--no-verify', '--allow-empty', '-m', message])
}
