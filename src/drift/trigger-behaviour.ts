import type { CatalogTrigger } from './catalog'

// What a touch function's body may assign: the transaction's start time, however it is spelled.
// `clock_timestamp()` and `statement_timestamp()` are other clocks, and not the same behaviour.
const NOW = String.raw`(?:now\s*\(\s*\)|current_timestamp|transaction_timestamp\s*\(\s*\))`
const IDENTIFIER = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`
const TOUCH_BODY = new RegExp(
  String.raw`^(?:declare\s+)?begin\s+new\s*\.\s*${IDENTIFIER}\s*:?=\s*${NOW}(?:\s*::\s*[a-z ]+?)?\s*;\s*return\s+new\s*;\s*end\s*;?$`,
  'i',
)

/** A function body without comments, its whitespace collapsed. */
function bodyText(body: string): string {
  return body
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

function unquote(identifier: string): string {
  return identifier.startsWith('"')
    ? identifier.slice(1, -1).replaceAll('""', '"')
    : identifier.toLowerCase()
}

/**
 * The column a trigger keeps at the current time on every update, or null when it does anything
 * else. Such a trigger is what `onUpdateNow()` implies, whatever its name or its function's name:
 * enabled, `BEFORE UPDATE` (no other event, no `UPDATE OF` list, no `WHEN`), `FOR EACH ROW`, and
 * a PL/pgSQL function whose whole body is `NEW.<column> = <now>; RETURN NEW;` (`:=` or `=`,
 * `<now>` one of `now()`, `CURRENT_TIMESTAMP`, `transaction_timestamp()`, with or without a
 * cast; comments, case and whitespace do not count).
 * @internal
 * @example
 * ```ts
 * // CREATE FUNCTION update_updated_at_column() RETURNS trigger LANGUAGE plpgsql AS
 * //   $$ BEGIN NEW.updated_at = NOW(); RETURN NEW; END; $$;
 * // CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON users
 * //   FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
 * touchedColumn(trigger) // 'updated_at'
 * ```
 */
export function touchedColumn(trigger: CatalogTrigger): string | null {
  if (
    !trigger.enabled ||
    trigger.timing !== 'before' ||
    !trigger.forEachRow ||
    trigger.conditional ||
    trigger.updateOf.length > 0 ||
    trigger.events.length !== 1 ||
    trigger.events[0] !== 'update' ||
    trigger.language !== 'plpgsql'
  ) {
    return null
  }
  const match = TOUCH_BODY.exec(bodyText(trigger.body))
  return match === null ? null : unquote(match[1]!)
}
