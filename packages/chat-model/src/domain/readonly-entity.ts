/** An entity type as a domain object: readonly fields, readonly arrays. */
export type ReadonlyEntity<T> = { readonly [K in keyof T]: T[K] extends (infer E)[] ? readonly E[] : T[K] };
