/**
 * The portal link's signature: one piece of code for the RESTlet that signs the links (portalLinks) and
 * the portal Suitelet that checks them. HMAC-SHA256 of "custsync-portal-link:" + the customer's internal
 * id, keyed with the API secret custsecret_custsync_portal_link (its value never leaves NetSuite), as
 * lower-case hex. mock_netsuite/portal_suitelet.py's signature() is the same; a test compares them.
 *
 * @NApiVersion 2.1
 * @NModuleScope SameAccount
 */
define(['N/crypto', 'N/encode'],
    /**
     * @param {typeof import('N/crypto')} crypto
     * @param {typeof import('N/encode')} encode
     */
    (crypto, encode) => {
    const SIGNED_PREFIX = 'custsync-portal-link:';
    const SECRET_ID = 'custsecret_custsync_portal_link';
    const KEY_ID_INPUT = 'custsync-signing-key-id';

    /** @param {string} input @returns {string} */
    const hmacHex = (input) => {
        const hmac = crypto.createHmac({
            algorithm: crypto.HashAlg.SHA256,
            key: crypto.createSecretKey({ secret: SECRET_ID, encoding: encode.Encoding.UTF_8 }),
        });
        hmac.update({ input: input, inputEncoding: encode.Encoding.UTF_8 });
        return hmac.digest({ outputEncoding: encode.Encoding.HEX }).toLowerCase();
    };

    /** @param {string} customerId @returns {string} */
    const sign = (customerId) => hmacHex(SIGNED_PREFIX + customerId);

    /**
     * Names the secret in force (rotating it changes this), never the secret itself: the first 16 hex of
     * HMAC-SHA256(secret, "custsync-signing-key-id"); null when the secret cannot be read.
     * @returns {string | null}
     */
    const signingKeyId = () => {
        try {
            return hmacHex(KEY_ID_INPUT).slice(0, 16);
        } catch (e) {
            return null;  // the API secret is missing or not restricted to this script
        }
    };

    return { sign: sign, signingKeyId: signingKeyId };
});
