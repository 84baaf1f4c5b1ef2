import { describeRemoteContract } from './remote-contract.js';
import { firestoreContractHarness } from './firestore-test-backend.js';

describeRemoteContract('firestore (emulator)', firestoreContractHarness);
