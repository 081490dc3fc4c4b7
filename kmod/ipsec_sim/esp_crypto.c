// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto engine of the simulated NIC: RFC 4106 AES-GCM over one ESP
 * packet, in place, synchronously.
 *
 * Wire layout from the ESP header on:
 *   SPI(4) | seq_lo(4) | IV(8) | payload, padding, pad len, next hdr | ICV
 * The AAD is SPI | seq_lo, or SPI | seq_hi | seq_lo with ESN (RFC 4106 §5),
 * so the AAD lives in its own buffer and the packet is the second
 * scatterlist entry.  The rfc4106 template expects the explicit IV at the
 * end of the associated data (assoclen counts it) and skips it there.
 */
#include <crypto/aead.h>
#include <linux/scatterlist.h>
#include "ipsim.h"

struct ipsim_crypt_ctx {
	struct scatterlist sg[2];
	__be32 aad[3];
	/* struct aead_request follows, then its tfm context */
};

/* 0, -EBADMSG on ICV mismatch, -errno on other failures. */
int ipsim_esp_crypt(struct ipsim_sa *sa, u8 *esph, unsigned int len,
		    u32 seq_hi, bool encrypt)
{
	struct crypto_aead *tfm = sa->tfm;
	unsigned int aadlen = sa->esn ? 12 : 8;
	unsigned int body = len - IPSIM_ESP_HLEN;	/* IV .. ICV */
	unsigned int cryptlen = body - IPSIM_IV_LEN;
	struct ipsim_crypt_ctx *c;
	struct aead_request *req;
	int err;

	if (len < IPSIM_ESP_HLEN + IPSIM_IV_LEN + sa->icv_len)
		return -EINVAL;
	if (encrypt)
		cryptlen -= sa->icv_len;

	c = kmalloc(sizeof(*c) + sizeof(*req) + crypto_aead_reqsize(tfm),
		    GFP_ATOMIC);
	if (!c)
		return -ENOMEM;
	req = (struct aead_request *)(c + 1);

	memcpy(&c->aad[0], esph, 4);			/* SPI */
	if (sa->esn) {
		c->aad[1] = htonl(seq_hi);
		memcpy(&c->aad[2], esph + 4, 4);	/* seq_lo */
	} else {
		memcpy(&c->aad[1], esph + 4, 4);
	}
	sg_init_table(c->sg, 2);
	sg_set_buf(&c->sg[0], c->aad, aadlen);
	sg_set_buf(&c->sg[1], esph + IPSIM_ESP_HLEN, body);

	aead_request_set_tfm(req, tfm);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_ad(req, aadlen + IPSIM_IV_LEN);
	aead_request_set_crypt(req, c->sg, c->sg, cryptlen,
			       esph + IPSIM_ESP_HLEN);
	err = encrypt ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	kfree_sensitive(c);
	return err;
}
