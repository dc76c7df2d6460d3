import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DeadlineList } from '../../src/driver/deadline-list'

describe('DeadlineList', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('calls each late entry once, in order, and none that was removed', () => {
    const list = new DeadlineList(1_000)
    const late: string[] = []
    list.add(() => late.push('a'))
    vi.advanceTimersByTime(400)
    const b = list.add(() => late.push('b'))
    list.add(() => late.push('c'))
    list.remove(b)
    vi.advanceTimersByTime(600)
    expect(late).toEqual(['a'])
    expect(list.size).toBe(1)
    vi.advanceTimersByTime(400)
    expect(late).toEqual(['a', 'c'])
    expect(list.size).toBe(0)
    vi.advanceTimersByTime(5_000)
    expect(late).toEqual(['a', 'c'])
  })

  it('is armed again by an entry added after it emptied', () => {
    const list = new DeadlineList(100)
    const late: number[] = []
    list.remove(list.add(() => late.push(1)))
    vi.advanceTimersByTime(150)
    list.add(() => late.push(2))
    vi.advanceTimersByTime(99)
    expect(late).toEqual([])
    vi.advanceTimersByTime(1)
    expect(late).toEqual([2])
  })

  it('refuses a deadline it cannot time', () => {
    expect(() => new DeadlineList(2 ** 31)).toThrow(RangeError)
    expect(() => new DeadlineList(Number.POSITIVE_INFINITY)).toThrow(RangeError)
  })
})
