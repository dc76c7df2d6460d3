import { describe, expect, it } from 'vitest'
import { withoutLeadingHoles } from '../../src/driver/row-holes'

describe('withoutLeadingHoles', () => {
  it('cuts the empty slots a failed statement left before the rows, in place', () => {
    const rows: unknown[] = []
    rows[2] = { id: 1 }
    rows[3] = { id: 2 }
    const result = Object.assign(rows, { count: 2, command: 'SELECT' })
    expect(withoutLeadingHoles(result)).toBe(result)
    expect([...result]).toEqual([{ id: 1 }, { id: 2 }])
    expect(result.count).toBe(2)
  })

  it('leaves a result without holes, or empty, as it is', () => {
    const rows = [{ id: 1 }, { id: 2 }]
    expect(withoutLeadingHoles(rows)).toEqual([{ id: 1 }, { id: 2 }])
    expect(withoutLeadingHoles([])).toEqual([])
  })
})
