// S2 held for several seconds in a fresh process: findByUuid at 32 in flight, without pause, on
// one contender's pool. Prints the calls completed in each second as JSON. What it shows:
// postgres.js's pool queues grow with every statement under such a load (porsager/postgres#747),
// so its throughput falls second after second; kysely-entities repairs them.
import { parseArgs } from 'node:util'
import { sql as dsql, eq } from 'drizzle-orm'
import { UserEntity } from 'kysely-entities/containerpub'
import { openClients } from '../contenders'
import { dUsers } from '../schema'
import { SUSTAINED_SECONDS, SUSTAINED_VARIANTS } from './sustained-variants'

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    variant: { type: 'string' },
    seconds: { type: 'string', default: String(SUSTAINED_SECONDS) },
    concurrency: { type: 'string', default: '32' },
    pool: { type: 'string', default: '10' },
  },
})
const label = SUSTAINED_VARIANTS[Number(values.variant)]
if (values.url === undefined || label === undefined) throw new Error('--url and --variant needed')
const clients = await openClients(values.url, Number(values.pool))
const uuids = (await clients.raw<{ uuid: string }[]>`select uuid from users order by id`).map(
  (r) => r.uuid,
)
let next = 0
const uuid = () => uuids[(next++ * 7919) % uuids.length]!
const users = clients.ke.manager(UserEntity)
const prepared = clients.drizzle
  .select()
  .from(dUsers)
  .where(eq(dUsers.uuid, dsql.placeholder('uuid')))
  .prepare('sustained_user_by_uuid')
const run: Record<(typeof SUSTAINED_VARIANTS)[number], () => Promise<unknown>> = {
  'postgres.js': () => clients.raw`select * from users where uuid = ${uuid()}`,
  kysely: () =>
    clients.kysely.selectFrom('users').selectAll().where('uuid', '=', uuid()).executeTakeFirst(),
  'drizzle (prepared)': () => prepared.execute({ uuid: uuid() }),
  knex: () => clients.knex('users').where('uuid', uuid()).first(),
  'kysely-entities findByUuid': () => users.findByUuid(uuid()),
}
const op = run[label]
for (let i = 0; i < 500; i++) await op() // warm-up, one at a time
let done = 0
const end = performance.now() + Number(values.seconds) * 1000
const counts: number[] = []
let counted = 0
const timer = setInterval(() => {
  counts.push(done - counted)
  counted = done
}, 1000)
// Each caller makes at least one call, however late it gets to run: `calls` is never 0.
await Promise.all(
  Array.from({ length: Number(values.concurrency) }, async () => {
    do {
      await op()
      done++
    } while (performance.now() < end)
  }),
)
clearInterval(timer)
await clients.close()
console.log(JSON.stringify({ perSecond: counts, calls: done }))
