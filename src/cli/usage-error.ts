/** A command line that cannot run: exit code 2 and the usage text. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}
