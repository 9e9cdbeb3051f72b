import { Store } from '../storage/store.ts';

/** Opens the database at `url` for one command and closes it whatever happens. */
export async function withStore<T>(url: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open(url);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
