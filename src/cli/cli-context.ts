import type { CliOptionName } from './cli-commands'

/** Where the command writes and what it reads from its environment; the process's by default. */
export interface CliIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  /** The version `--version` prints: the package's own, read by the `bin` entry. */
  readonly version?: string
}

/** The parsed options of one command line. */
export type CliValues = {
  readonly [K in CliOptionName]?: K extends
    | 'json'
    | 'help'
    | 'version'
    | 'allow-changed'
    | 'allow-destructive'
    ? boolean
    : string
}
