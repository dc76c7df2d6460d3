/** A command line that cannot run: exit code 2, one line saying why and where the help is. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}
