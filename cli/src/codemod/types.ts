import type { SourceFile } from 'ts-morph'

/** Work a person has to do: where, why the codemod did not do it, and what to do instead. */
export interface Diagnostic {
  /** Project-relative path. */
  readonly file: string
  readonly line: number
  readonly reason: string
  readonly suggestion: string
}

/** What every transform sees besides the file. */
export interface TransformContext {
  /** Project-relative path of the file, for diagnostics. */
  readonly file: string
  /** The identifier the helper instance is imported as (`byok`). */
  readonly byok: string
  /** The file's quote character, so inserted strings match it. */
  readonly quote: "'" | '"'
}

export interface TransformResult {
  /** Number of sinks rewritten (0 = the file is unchanged by this step). */
  readonly changes: number
  readonly diagnostics: readonly Diagnostic[]
}

/** One codemod step (STYLE: codemod steps are objects). `apply` edits `file` in place. */
export interface Transform {
  readonly id: string
  readonly title: string
  /**
   * False for steps whose output never calls the helper (build config edits): the runner must not import
   * `byok` into a file only such a step changed. Default true.
   */
  readonly usesHelper?: boolean
  apply(file: SourceFile, ctx: TransformContext): TransformResult
}
