// The four implementations of every workload, opened by name.
import { product } from '../lib/product.mjs'

export const IMPLEMENTATIONS = ['library', 'floor', 'typeorm', 'drizzle']

/** Every implementation uses the product's UUIDv7 ids, so all write the same kind of rows. */
export const newId = () => product.uuidv7()

export async function openImplementation(name, target, options = {}) {
  const settings = { newId, ...options }
  switch (name) {
    case 'library':
      return (await import('./library.mjs')).openLibrary(target, settings)
    case 'floor':
      return (await import('./floor.mjs')).openFloor(target, settings)
    case 'typeorm':
      return (await import('./typeorm.mjs')).openTypeorm(target, settings)
    case 'drizzle':
      return (await import('./drizzle.mjs')).openDrizzle(target, settings)
    default:
      throw new Error(`unknown implementation ${name}`)
  }
}
