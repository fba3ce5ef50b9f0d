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

    /** @param {string} customerId @returns {string} */
    const sign = (customerId) => {
        const hmac = crypto.createHmac({
            algorithm: crypto.HashAlg.SHA256,
            key: crypto.createSecretKey({ secret: SECRET_ID, encoding: encode.Encoding.UTF_8 }),
        });
        hmac.update({ input: SIGNED_PREFIX + customerId, inputEncoding: encode.Encoding.UTF_8 });
        return hmac.digest({ outputEncoding: encode.Encoding.HEX }).toLowerCase();
    };

    return { sign: sign };
});
