// jwt_tool: what `nsc` would make for operator-mode tests, with Debian's nats-io/jwt (v2) and
// nkeys: fresh keys, signed operator/account/user JWTs, and nonce signatures.
//
//	jwt_tool keys operator|account|user        prints "<seed> <public key>"
//	jwt_tool encode -kind K -signer SEED -subject PUB [-name N] [-exp UNIX] [-issuer-account A] [-claims JSON]
//	                                            prints the JWT of kind K (operator, account, user,
//	                                            activation) for PUB signed by SEED; -claims is the
//	                                            kind's `nats` section (jwt.Operator, jwt.Account,
//	                                            jwt.User, jwt.Activation) laid over the library's
//	                                            defaults (unlimited limits)
//	jwt_tool sign SEED TEXT                     prints the signature of TEXT, base64 URL, unpadded
//
// -raw-claims JSON (instead of -claims) replaces the `nats` section of the default claims
// entirely, so fields the library would fill (limits of -1) can be left out as hand-written
// JWTs do.
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func keys(kind string) {
	var kp nkeys.KeyPair
	var err error
	switch kind {
	case "operator":
		kp, err = nkeys.CreateOperator()
	case "account":
		kp, err = nkeys.CreateAccount()
	case "user":
		kp, err = nkeys.CreateUser()
	default:
		fail("unknown key kind %q", kind)
	}
	if err != nil {
		fail("create: %v", err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	fmt.Printf("%s %s\n", seed, pub)
}

// overlay decodes `claims` over `section`.
func overlay(section interface{}, claims string) {
	if claims == "" {
		return
	}
	if err := json.Unmarshal([]byte(claims), section); err != nil {
		fail("claims: %v", err)
	}
}

func encode(args []string) {
	fs := flag.NewFlagSet("encode", flag.ExitOnError)
	kind := fs.String("kind", "", "operator, account, user or activation")
	signer := fs.String("signer", "", "seed of the signing key")
	subject := fs.String("subject", "", "public key the JWT is for")
	name := fs.String("name", "", "name claim")
	exp := fs.Int64("exp", 0, "expiry, Unix seconds (0: none)")
	issuerAccount := fs.String("issuer-account", "", "user JWT signed by an account signing key: the account")
	claims := fs.String("claims", "", "the kind's nats section, JSON, over the defaults")
	rawClaims := fs.String("raw-claims", "", "the kind's nats section, JSON, over zero values")
	fs.Parse(args)
	kp, err := nkeys.FromSeed([]byte(*signer))
	if err != nil {
		fail("signer: %v", err)
	}
	text, raw := *claims, false
	if *rawClaims != "" {
		text, raw = *rawClaims, true
	}
	var token string
	switch *kind {
	case "operator":
		c := jwt.NewOperatorClaims(*subject)
		c.Name, c.Expires = *name, *exp
		if raw {
			c.Operator = jwt.Operator{}
		}
		overlay(&c.Operator, text)
		token, err = c.Encode(kp)
	case "account":
		c := jwt.NewAccountClaims(*subject)
		c.Name, c.Expires = *name, *exp
		if raw {
			c.Account = jwt.Account{}
		}
		overlay(&c.Account, text)
		token, err = c.Encode(kp)
	case "user":
		c := jwt.NewUserClaims(*subject)
		c.Name, c.Expires = *name, *exp
		if raw {
			c.User = jwt.User{}
		}
		overlay(&c.User, text)
		c.IssuerAccount = *issuerAccount
		token, err = c.Encode(kp)
	case "activation":
		c := jwt.NewActivationClaims(*subject)
		c.Name, c.Expires = *name, *exp
		overlay(&c.Activation, text)
		c.IssuerAccount = *issuerAccount
		token, err = c.Encode(kp)
	default:
		fail("unknown kind %q", *kind)
	}
	if err != nil {
		fail("encode: %v", err)
	}
	fmt.Println(token)
}

func sign(seed, text string) {
	kp, err := nkeys.FromSeed([]byte(seed))
	if err != nil {
		fail("seed: %v", err)
	}
	sig, err := kp.Sign([]byte(text))
	if err != nil {
		fail("sign: %v", err)
	}
	fmt.Println(base64.RawURLEncoding.EncodeToString(sig))
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: jwt_tool keys KIND | encode ... | sign SEED TEXT")
	}
	switch os.Args[1] {
	case "keys":
		if len(os.Args) != 3 {
			fail("usage: jwt_tool keys operator|account|user")
		}
		keys(os.Args[2])
	case "encode":
		encode(os.Args[2:])
	case "sign":
		if len(os.Args) != 4 {
			fail("usage: jwt_tool sign SEED TEXT")
		}
		sign(os.Args[2], os.Args[3])
	default:
		fail("unknown command %q", os.Args[1])
	}
}
