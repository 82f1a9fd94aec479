// Migration 0058 rewrote the trigger that seals personal fields (0046) for
// speed. Envelopes sealed before it must still open after it, the new ones
// must open to the same fields and values, stay authenticated (a flipped
// ciphertext byte does not open), and erasure must still make both kinds
// unreadable while the chain verifies.
import { envelopeUpgradeAcross } from './support/envelope-upgrade.ts';

const upgrade = envelopeUpgradeAcross('0058_sealing_without_queries_per_field');
upgrade.openingTests();
upgrade.erasureTest();
