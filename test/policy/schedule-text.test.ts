import {describe, expect, it} from 'vitest'

import {formatSchedule, parseSchedule} from '../../src/lib/policy/schedule-text.js'

describe('schedule text', () => {
  it('reads day ranges, lists, wrapping ranges, "daily" and all-day windows', () => {
    expect(parseSchedule('Mon-Fri 22:00-06:00')).toEqual([{days: [1, 2, 3, 4, 5], from: '22:00', to: '06:00'}])
    expect(parseSchedule('Sat, Sun')).toEqual([{days: [0, 6], from: '00:00', to: '00:00'}])
    expect(parseSchedule('Fri-Mon 8:30 - 17:00')).toEqual([{days: [0, 1, 5, 6], from: '08:30', to: '17:00'}])
    expect(parseSchedule('daily 20:00-24:00; saturday all day')).toEqual([
      {days: [0, 1, 2, 3, 4, 5, 6], from: '20:00', to: '00:00'},
      {days: [6], from: '00:00', to: '00:00'},
    ])
    expect(parseSchedule('none')).toBeUndefined()
  })

  it('prints what it reads back the same', () => {
    for (const text of ['Mon-Fri 22:00-06:00', 'Sat,Sun all day', 'daily 08:00-18:00; Mon,Wed 20:00-21:00']) expect(formatSchedule(parseSchedule(text))).toBe(text)
  })

  it('names the bad part', () => {
    expect(() => parseSchedule('Mon-Fry 22:00-06:00')).toThrow(/"Fry" is not a day/)
    expect(() => parseSchedule('Mon 25:00-06:00')).toThrow(/HH:MM/)
    expect(() => parseSchedule('Mon-Tue-Wed 10:00-11:00')).toThrow(/not a day or a day range/)
  })
})
