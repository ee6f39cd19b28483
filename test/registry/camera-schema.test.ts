import {describe, expect, it} from 'vitest'

import {Camera, CameraInput, CameraPatch, Distance, Owner, OwnerInput} from '../../src/lib/domain/camera.js'
import {newId} from '../../src/lib/domain/ids.js'
import {camera} from './helpers.js'

const now = '2026-01-01T00:00:00.000Z'

describe('camera and owner schemas', () => {
  it('accepts a stored camera with prefixed ids and UTC timestamps', () => {
    const {ownerEmail: _e, ownerName: _n, ownerOrganisation: _o, ownerPhone: _p, ...fields} = camera()
    const stored = {...fields, id: newId('cam'), ownerId: newId('own'), createdAt: now, updatedAt: now}
    expect(Camera.parse(stored)).toEqual(stored)
    expect(Camera.safeParse({...stored, id: newId('own')}).success).toBe(false)
  })

  it('normalises owner emails to lower case so owners match across files', () => {
    expect(CameraInput.parse(camera({ownerEmail: '  Joe@Example.COM '})).ownerEmail).toBe('joe@example.com')
  })

  it('fills owner signup defaults and rejects a malformed phone', () => {
    expect(OwnerInput.parse({displayName: 'Joe', email: 'joe@example.com'})).toEqual({
      displayName: 'Joe', email: 'joe@example.com', organisation: null, phone: null, postalAddress: null, preferredContact: 'email',
    })
    const bad = OwnerInput.safeParse({displayName: 'Joe', email: 'joe@example.com', phone: '12'})
    expect(bad.success).toBe(false)
    expect(bad.error!.issues[0]!.message).toBe('7 to 15 digits')
  })

  it('keeps an imported owner unverified until they sign up', () => {
    const owner = {id: newId('own'), displayName: 'Joe', organisation: null, email: 'joe@example.com', phone: null, postalAddress: null, preferredContact: 'email', verified: false, createdAt: now, updatedAt: now}
    expect(Owner.parse(owner).verified).toBe(false)
  })

  it('checks ranges: direction 0-359, field of view 1-360, whole retention days', () => {
    expect(CameraPatch.safeParse({viewDirection: 360}).success).toBe(false)
    expect(CameraPatch.safeParse({viewDirection: 359.9}).success).toBe(true)
    expect(CameraPatch.safeParse({fieldOfView: 0}).success).toBe(false)
    expect(CameraPatch.safeParse({fieldOfView: 360}).success).toBe(true)
    expect(CameraPatch.safeParse({retentionDays: 1.5}).success).toBe(false)
    expect(CameraPatch.safeParse({tags: ['a,b']}).success).toBe(false)
    expect(CameraPatch.safeParse({locationType: 'castle'}).error!.issues[0]!.message).toBe('one of business, residence, public, transit, school, other')
  })

  it('parses query distances with units or plain metres', () => {
    expect(Distance.parse('1.5km')).toBe(1500)
    expect(Distance.parse(250)).toBe(250)
    expect(Distance.safeParse('12 parsecs').success).toBe(false)
  })
})
