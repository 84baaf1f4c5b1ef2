// The emulator's first requests of a run take seconds (JVM warm-up, rules compilation), and a
// listener opened while it is still cold has been seen to stay silent. Pay that once in the
// global setup, on a throwaway project, with a chat-rules write and a listener round trip.
import { deleteApp, initializeApp } from 'firebase/app';
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot, serverTimestamp, setDoc, terminate } from 'firebase/firestore';

export async function warmUpEmulator(hostAndPort: string, timeoutMs = 60_000): Promise<void> {
  const at = hostAndPort.lastIndexOf(':');
  const app = initializeApp({ projectId: `demo-warm-up-${process.pid}` }, `warm-up-${process.pid}`);
  const db = getFirestore(app);
  connectFirestoreEmulator(db, hostAndPort.slice(0, at), Number(hostAndPort.slice(at + 1)), { mockUserToken: { user_id: 'warm-up' } });
  const ref = doc(db, 'users/warm-up');
  let timer: NodeJS.Timeout | undefined;
  try {
    const heard = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the Firestore emulator at ${hostAndPort} did not answer a warm-up listener within ${timeoutMs} ms`)), timeoutMs);
      const stop = onSnapshot(ref, { includeMetadataChanges: true }, (snap) => {
        if (snap.exists() && !snap.metadata.hasPendingWrites && !snap.metadata.fromCache) {
          stop();
          resolve();
        }
      }, reject);
    });
    await setDoc(ref, { displayName: 'Warm-up', isOnline: false, updatedAt: serverTimestamp(), deleted: false });
    await heard;
  } finally {
    clearTimeout(timer);
    await terminate(db);
    await deleteApp(app);
  }
}
