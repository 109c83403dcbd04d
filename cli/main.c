/*
 * main.c — amanat's entry point and command table (after git's git.c).
 */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "../bundle/bundle.h"
#include "cli.h"

/* The release, from CMake's PROJECT_VERSION (cmake/install.cmake). */
#ifndef AMANAT_VERSION
#error "AMANAT_VERSION must be defined (cmake/install.cmake sets it from PROJECT_VERSION)"
#endif

const struct cli_cmd cli_commands[] = {
	{ "id", cmd_id, "create, inspect, re-protect, split and recover identities",
	  "usage: amanat id new NAME [--dir DIR] [--kdf interactive|moderate|sensitive]\n"
	  "                [--passphrase-fd N] [--weak-passphrase-ok]\n"
	  "       amanat id show FILE [--json]\n"
	  "       amanat id passwd FILE [--kdf interactive|moderate|sensitive] [--passphrase-fd N]\n"
	  "                [--weak-passphrase-ok]\n"
	  "       amanat id split FILE --shares N --threshold K [--dir DIR] [--passphrase-fd N]\n"
	  "       amanat id recover SHARE... --out NEW.id [--kdf interactive|moderate|sensitive]\n"
	  "                [--passphrase-fd N] [--weak-passphrase-ok]\n"
	  "\n"
	  "new writes DIR/NAME.id (secret keys sealed under your passphrase, mode 0600) and\n"
	  "DIR/NAME.pub (public keys, to give to the vault's admin), and prints the key id.\n"
	  "Refuses to overwrite either file.  --kdf sets how much work each guess at the\n"
	  "passphrase costs whoever has the .id (default moderate).  A passphrase that is\n"
	  "easy to guess (under about 10^12 guesses, as zxcvbn estimates) is refused: use\n"
	  "four or more unrelated words.  --weak-passphrase-ok is for test keys only.\n"
	  "\n"
	  "show prints what a .id, .pub or share file is: name, key id, public keys,\n"
	  "creation time and, for a .id, its passphrase hashing; it never asks for the\n"
	  "passphrase.\n"
	  "\n"
	  "passwd asks for the old passphrase, then a new one, and replaces FILE with the\n"
	  "same keys under the new passphrase (a crash leaves the old file or the new one).\n"
	  "--kdf changes the hashing cost; without it the file's cost is kept.  With\n"
	  "--passphrase-fd, the old and the new passphrase are its first two lines.\n"
	  "\n"
	  "split writes DIR/NAME.share-1 ... NAME.share-N (default DIR: .): any K of them\n"
	  "restore the identity without its passphrase, fewer reveal nothing.  Shares are\n"
	  "short text to print; each line has its own check, so a mistyped line is named.\n"
	  "recover writes NEW.id with the same keys from K or more shares of one split,\n"
	  "under a new passphrase.\n" },
	{ "init", cmd_init, "create a vault with a signed genesis entry",
	  "usage: amanat init VAULT --as ADMIN.id [--recipient PUB]... [--passphrase-fd N]\n"
	  "\n"
	  "Creates the vault file VAULT (refusing a path that exists), signed by ADMIN.\n"
	  "Each --recipient is enrolled as a custodian: everything sealed is readable by\n"
	  "the custodians only.  With no --recipient, the admin is the custodian.\n" },
	{ "enroll", cmd_enroll, "give an identity roles in a vault",
	  "usage: amanat enroll VAULT PUB --role ROLE[,ROLE...] --as ADMIN.id [--passphrase-fd N]\n"
	  "\n"
	  "ROLE is officer (seals entries), custodian (decrypts; receives every entry sealed\n"
	  "from now on), auditor (verifies) or admin (enrolls).  Enrolling an identity again\n"
	  "replaces its roles.\n" },
	{ "revoke", cmd_revoke, "take every role away from an identity",
	  "usage: amanat revoke VAULT PUB --as ADMIN.id [--reason TEXT]\n"
	  "                    [--compromised-since DATE|ENTRY] [--passphrase-fd N]\n"
	  "\n"
	  "The identity can no longer seal, sign checkpoints or read through amanat (every\n"
	  "reading is recorded by a current custodian), and entries sealed from now on are\n"
	  "no longer readable by it.  Someone who kept its key and an old copy of the vault\n"
	  "could still decrypt what was sealed to it before: revocation cannot undo that.\n"
	  "--reason is recorded in the signed revoke entry.  --compromised-since (a UTC\n"
	  "date YYYY-MM-DD, or an entry number) says since when the key may have been in\n"
	  "other hands: 'amanat verify' then lists every entry it signed from there up to\n"
	  "the revocation, to be re-examined.  Revoking the last admin, or the last\n"
	  "custodian while sealed entries exist, is refused: rotate the key instead, or\n"
	  "enroll a successor first.\n" },
	{ "rotate", cmd_rotate, "replace a member's keys by new ones, keeping their roles",
	  "usage: amanat rotate VAULT OLD.id NEW.pub --as ADMIN.id [--passphrase-fd N]\n"
	  "\n"
	  "Records a rotate entry: the old key signs the new keys (binding them to itself),\n"
	  "an admin signs the entry, the roles move to the new key and the old one is\n"
	  "retired as by revocation.  An admin rotating their own key signs with the new\n"
	  "key: --as NEW.id.  A custodian's new key reads what was sealed before only\n"
	  "once it is handed over: amanat rewrap VAULT --to NEW.pub --as NEW.id --key OLD.id\n"
	  "--all.\n" },
	{ "rewrap", cmd_rewrap, "give a custodian the keys of entries sealed before them",
	  "usage: amanat rewrap VAULT --to CUSTODIAN.pub --as CUSTODIAN.id [--key OLD.id]\n"
	  "                    (--entries LIST | --all) [--purpose TEXT | --purpose-from FILE]\n"
	  "                    [--passphrase-fd N]\n"
	  "\n"
	  "Wraps the content keys of earlier sealed entries (LIST: 3,5,7-9; --all: every one\n"
	  "--as can read and --to cannot) to another enrolled custodian, in rewrap entries,\n"
	  "without re-encrypting anything; the new custodian can then show, extract and\n"
	  "export them.  Unwrapping is a reading: it is recorded in custody first.  --key\n"
	  "unwraps with a key --as replaced by rotation.  Prints the rewrap entries' numbers.\n" },
	{ "members", cmd_members, "list enrolled identities, their roles and keys",
	  "usage: amanat members VAULT [--json]\n"
	  "\n"
	  "Replays the signed genesis, enroll and revoke entries: who may do what now.\n" },
	{ "status", cmd_status, "what a vault holds and what this machine trusts of it",
	  "usage: amanat status VAULT [--json]\n"
	  "\n"
	  "One screen for picking up a vault: its id, what this machine trusts (the pinned\n"
	  "tree, and whether the vault extends it), members and roles, entries by type,\n"
	  "the newest checkpoint and who signed it, the last audit this machine remembers\n"
	  "(~/.local/state/amanat/audit.state) and what the quick verification from the\n"
	  "pin found.  Needs no key; the pin moves only as verification allows, as for\n"
	  "any command.  On a problem it prints what it can, names the problem and exits 1.\n" },
	{ "trust", cmd_trust, "pin a vault's id before its first use",
	  "usage: amanat trust VAULT --vault amanat/<id>\n"
	  "\n"
	  "Every command verifies a vault from what you trusted before (a pin kept under\n"
	  "$XDG_STATE_HOME/amanat, not in the vault) and refuses a file that does not\n"
	  "extend it.  The first use of a vault trusts its genesis and shows its members;\n"
	  "'trust' pins the vault id you were given (on paper, by phone) in advance, so\n"
	  "that even the first use refuses a file that is not that vault.  It then verifies\n"
	  "VAULT from its genesis and pins it.  Exits 1 if VAULT is another vault or does\n"
	  "not verify.\n" },
	{ "seal", cmd_seal, "seal a file or standard input into the vault",
	  "usage: amanat seal VAULT --as ID --type testimony|document|media|case --case CASE\n"
	  "                  [--title T] [--meta KEY=VALUE]... [--meta-from FILE] [--ref SEQ]...\n"
	  "                  [--recursive] [--json] [--passphrase-fd N] FILE...|-\n"
	  "\n"
	  "Encrypts the content to the vault's custodians, signs the public header, and\n"
	  "prints the new entry's sequence number once it is durable.  Needs only the\n"
	  "sealer's signing key: the sealer cannot read it back.  --ref names earlier\n"
	  "entries this one amends or refers to.  Arguments are visible to other users\n"
	  "of the machine: put sensitive metadata (names, places, case, title) in a file\n"
	  "of KEY=VALUE lines given with --meta-from instead (UTF-8; a file in another\n"
	  "encoding is refused, naming the line).  The file's name is recorded as the\n"
	  "filename field unless --meta filename=NAME (or a filename= line) gives a\n"
	  "neutral one.  The case id must not be blank.  Consent is metadata too:\n"
	  "consent.scopes=internal,un-mechanism,court,defence-identity,publication,re-contact\n"
	  "and, in a later entry with --ref, consent.withdrawn=yes; a testimony that export\n"
	  "would refuse for every scope is sealed with a warning saying so.  --json prints\n"
	  "the receipt: seq, type, the content's sha256 and size, and the checkpoint (size,\n"
	  "root and signed note) the entry was sealed into.  Ctrl-C rolls the seal back\n"
	  "(exit 130): nothing is sealed.\n"
	  "Several FILEs, or directories with --recursive (every regular file under them,\n"
	  "in name order), are sealed in one run, each file its own entry (its name and\n"
	  "its path under the directory recorded as filename and path), in batches: each\n"
	  "is printed as SEQ<tab>PATH (--json: a receipt per line) once durable.  Ctrl-C\n"
	  "then stops after the file being sealed, keeping what was printed.\n" },
	{ "list", cmd_list, "list entries (titles and cases for custodians)",
	  "usage: amanat list VAULT [--as CUSTODIAN.id] [--type T]... [--signer NAME|KEYID]\n"
	  "                  [--from DATE] [--to DATE] [--seq A-B] [--case ID]... [--json]\n"
	  "                  [--passphrase-fd N]\n"
	  "\n"
	  "Anyone sees the public headers: number, type, time, signer and size.  With --as,\n"
	  "a custodian also sees each entry's case and title; that reading is itself\n"
	  "recorded first, as a custody entry naming the entries it may decrypt (said on\n"
	  "standard error).\n"
	  "Filters, all of which an entry must match: --type T (genesis, enroll, revoke,\n"
	  "testimony, document, media, case or custody; repeated, any of them), --signer\n"
	  "(a member's name or key id), --from and --to (UTC sealing dates YYYY-MM-DD, as\n"
	  "export takes them), --seq (entry numbers A-B, A- or A) and, with --as, --case ID\n"
	  "(repeated, any of them), which decrypts only the entries the others keep.\n" },
	{ "show", cmd_show, "decrypt and print an entry's metadata",
	  "usage: amanat show VAULT SEQ --as CUSTODIAN.id [--purpose TEXT | --purpose-from FILE|-]\n"
	  "                  [--json] [--passphrase-fd N]\n"
	  "\n"
	  "Records a custody entry (who, what, why) before anything is decrypted, so the\n"
	  "vault must be writable, and says its number on standard error (\"custody\" in\n"
	  "--json).  Arguments are visible to other users of the machine: --purpose-from\n"
	  "reads the purpose from FILE, or from standard input with - (UTF-8, its\n"
	  "trailing newline removed).  Control and invisible formatting\n"
	  "characters in what is printed are shown as ?.\n" },
	{ "extract", cmd_extract, "decrypt an entry's content to a file",
	  "usage: amanat extract VAULT SEQ --as CUSTODIAN.id (--purpose TEXT | --purpose-from FILE|-)\n"
	  "                     -o FILE|- [--force] [--passphrase-fd N]\n"
	  "\n"
	  "Records a custody entry (its number said on standard error), then writes the\n"
	  "content byte for byte as sealed, checking every chunk and the plaintext\n"
	  "SHA-256.  FILE is created 0600 and only\n"
	  "appears once complete and checked; --force replaces an existing regular FILE.\n"
	  "A FIFO or character device is written in place (never replaced), as is\n"
	  "standard output with -o -; a symbolic link is refused, never followed.\n"
	  "--purpose-from reads the purpose from FILE, or standard input with -, so that\n"
	  "it is not in the arguments other users can see.  The vault must be writable.\n" },
	{ "log", cmd_log, "print the custody history",
	  "usage: amanat log VAULT [--as CUSTODIAN.id] [--json] [--passphrase-fd N]\n"
	  "\n"
	  "Anyone sees who read which entries, when, and how.  A custodian (--as) also\n"
	  "sees the stated purposes.\n" },
	{ "verify", cmd_verify, "check every hash, link, signature and enrollment",
	  "usage: amanat verify VAULT [--quick | --deep --as CUSTODIAN.id] [--since CHECKPOINT]\n"
	  "                    [--checkpoint CHECKPOINT [--witness KEY]... [--quorum K]]\n"
	  "                    [--max-seconds N --resume FILE] [--json]\n"
	  "\n"
	  "Needs no key and no passphrase.  Recomputes the hash chain, every signature,\n"
	  "each signer's enrollment, the Merkle tree and every stored checkpoint, and\n"
	  "(unless --quick) the hash of every stored ciphertext byte; --deep also decrypts\n"
	  "every chunk and checks each plaintext SHA-256 (recorded as a custody entry).\n"
	  "--since checks only what was added after a signed checkpoint, proving the rest\n"
	  "unchanged by a consistency proof.  --checkpoint requires the vault to agree with\n"
	  "a checkpoint you hold, with at least K witness cosignatures.  --max-seconds stops\n"
	  "early and --resume FILE goes on from there next time.\n"
	  "Exits 1 naming the first entry that fails and why.  For a key revoked with a\n"
	  "compromise point, warns (exit 0; --json: \"compromised\") naming every entry it\n"
	  "signed from that point to its revocation, to be re-examined.\n" },
	{ "audit", cmd_audit, "verify what is new since this auditor's last audit",
	  "usage: amanat audit VAULT [--state FILE] [--full] [--quick | --deep --as ID]\n"
	  "                   [--checkpoint CHECKPOINT [--witness KEY]... [--quorum K]] [--json]\n"
	  "\n"
	  "Remembers, per vault, the tree it last verified (in FILE, by default\n"
	  "~/.local/state/amanat/audit.state).  The first audit verifies everything and\n"
	  "trusts the result; later ones require the vault to extend it and check only\n"
	  "what is new (--full: everything again).  A vault replaced by an older copy,\n"
	  "truncated or forked fails with exit 1 even when it is internally consistent.\n" },
	{ "checkpoint", cmd_checkpoint, "sign and print a checkpoint of the log",
	  "usage: amanat checkpoint VAULT --as ID [--passphrase-fd N]\n"
	  "\n"
	  "Prints a C2SP tlog-checkpoint (origin amanat/<vault id>, size, root) signed by\n"
	  "ID, an enrolled identity, and keeps it in the vault.  Refuses to sign a tree that\n"
	  "does not extend every checkpoint the vault signed before.\n" },
	{ "verifier-key", cmd_verifier_key, "print an identity's note verifier key",
	  "usage: amanat verifier-key VAULT PUB\n"
	  "       amanat verifier-key --witness PUB\n"
	  "\n"
	  "The C2SP signed-note verifier key (name+keyid+key) with which standard tools\n"
	  "check this identity's checkpoints of VAULT, or (--witness) its cosignatures.\n" },
	{ "prove", cmd_prove, "write an inclusion proof of one entry",
	  "usage: amanat prove VAULT SEQ [--checkpoint FILE]\n"
	  "\n"
	  "Writes a c2sp.org/tlog-proof@v1 proof that entry SEQ is in the log, against the\n"
	  "vault's newest checkpoint or one you hold.  Its extra line carries the signed\n"
	  "header, so 'amanat check-proof' needs nothing else.\n" },
	{ "consistency", cmd_consistency, "write a consistency proof between two sizes",
	  "usage: amanat consistency VAULT OLD_SIZE [NEW_SIZE]\n"
	  "\n"
	  "Writes 'old N', the proof hashes, a blank line and the checkpoint of NEW_SIZE\n"
	  "(default: the newest), the body format of C2SP tlog-witness.\n" },
	{ "check-proof", cmd_check_proof, "verify a proof with public keys only, no vault",
	  "usage: amanat check-proof PROOF --key KEY [--key KEY]... [--vault amanat/<id>]\n"
	  "                         [--old CHECKPOINT] [--witness KEY]... [--quorum K] [--json]\n"
	  "\n"
	  "KEY is a verifier key (from 'amanat verifier-key', which names the vault) or a\n"
	  ".pub file, which needs --vault: a key alone would accept any vault its owner\n"
	  "made.  An inclusion proof is checked against its checkpoint; a consistency proof\n"
	  "against --old, the earlier checkpoint you trust.\n" },
	{ "witness", cmd_witness, "cosign another vault's checkpoint as a witness",
	  "usage: amanat witness cosign FILE --as WITNESS.id --log-key KEY [--log-key KEY]...\n"
	  "                      [--state FILE] [--passphrase-fd N]\n"
	  "\n"
	  "FILE is the output of 'amanat consistency VAULT N', where N is the size this\n"
	  "witness last cosigned (0 the first time).  Checks the checkpoint's signature and\n"
	  "the consistency proof against the witness's state, then prints a C2SP\n"
	  "tlog-cosignature line to append to the checkpoint.\n" },
	{ "export", cmd_export, "export chosen items as a self-verifying evidence bundle",
	  "usage: amanat export VAULT --as CUSTODIAN.id (--purpose TEXT | --purpose-from FILE|-)\n"
	  "                     --scope SCOPE -o OUT\n"
	  "                     (--entry SEQ | --case ID | --case-from FILE|- | --type T |\n"
	  "                      --from DATE --to DATE)...\n"
	  "                     [--withhold FIELD]... [--override-consent REASON |\n"
	  "                      --override-consent-from FILE|-]\n"
	  "                     [--for RECIPIENT.pub (-o NAME.amanat-sealed)] [--json]\n"
	  "                     [--passphrase-fd N]\n"
	  "\n"
	  "Writes a BagIt bag (a directory, or one ZIP when OUT ends in .zip) holding the\n"
	  "chosen items decrypted, their signed headers, inclusion proofs, disclosed fields,\n"
	  "custody history and the signers' keys, a printable index.html, and a minisign\n"
	  "signature of the tag manifest.  Entries listed with --entry are exported; so is\n"
	  "every entry matching all of the other filters given (dates are UTC sealing dates).\n"
	  "SCOPE (internal, un-mechanism, court, defence-identity, publication, re-contact)\n"
	  "is checked against each item's recorded consent: items it does not cover are\n"
	  "left out and reported, unless --override-consent says why.  --withhold FIELD (or\n"
	  "PREFIX.*) keeps a field's value out of every byte of the bundle while the rest\n"
	  "stays provable.  --for encrypts the bundle to one person: OUT must then end in\n"
	  ".amanat-sealed, since the file is not a ZIP and no other program opens it; the\n"
	  "recipient decrypts it to a ZIP with 'amanat open-bundle'.  The\n"
	  "export is recorded as custody entries before (naming every entry it will\n"
	  "decrypt) and after; OUT gets its name only once both are recorded.\n"
	  "Arguments are visible to other users of the machine: --purpose-from,\n"
	  "--case-from (one case id per line) and --override-consent-from read them from\n"
	  "FILE instead, or from standard input with - (UTF-8, trailing newline removed).\n" },
	{ "verify-bundle", cmd_verify_bundle, "check an evidence bundle with nothing but the bundle",
	  "usage: amanat verify-bundle BUNDLE [--vault-key KEY]... [--vault amanat/<id>]\n"
	  "                           [--checkpoint FILE] [--json]\n"
	  "\n"
	  "BUNDLE is a bundle directory or its .zip.  Checks the BagIt manifests, the\n"
	  "minisign signature, the checkpoint, every inclusion proof and header signature,\n"
	  "the whole chain of enrollments up to the checkpoint and the disclosed fields.\n"
	  "KEY pins who must have signed the checkpoint (the exporting custodian signs it):\n"
	  "a verifier key names the vault; a .pub needs --vault, the vault's id as the\n"
	  "exporter gave it to you.  FILE is a checkpoint obtained independently that the\n"
	  "bundle's must equal.  Without either, the vault is the one the bundle's own\n"
	  "genesis entry names.  Prints the vault id and who signed the checkpoint, to\n"
	  "compare out of band, then one line per item and a verdict line; --json gives\n"
	  "everything as one object.  Names every problem and exits 1 if there is any, 2\n"
	  "if BUNDLE is not a bundle at all (an .amanat-sealed file must be opened first\n"
	  "with open-bundle), 4 if it cannot be read.\n" },
	{ "open-bundle", cmd_open_bundle, "decrypt a bundle exported with --for",
	  "usage: amanat open-bundle FILE.amanat-sealed --as ID -o OUT.zip [--passphrase-fd N]\n"
	  "\n"
	  "FILE is an encrypted bundle, made by 'amanat export --for' for the identity ID:\n"
	  "an amanat file (it starts with AMNX), not a ZIP, which no other program opens.\n"
	  "Decrypts it to OUT.zip, the bundle's ZIP, to check with 'amanat verify-bundle\n"
	  "OUT.zip' and unpack with any ZIP tool.  Exits 1 if FILE was altered, 3 if it is\n"
	  "not encrypted to ID.\n" },
	{ "push", cmd_push, "write a transfer packet of a field vault for headquarters",
	  "usage: amanat push FIELD_VAULT --to MAIN_VAULT_ID -o PACKET --as OFFICER.id [--force]\n"
	  "                  [--passphrase-fd N]\n"
	  "\n"
	  "Writes PACKET (created 0600; --force replaces it): every entry of FIELD_VAULT\n"
	  "since the last acknowledgement recorded from MAIN_VAULT_ID (amanat/<hex> or the\n"
	  "hex alone, as the main vault's checkpoints name it), exactly as stored (signed\n"
	  "headers, ciphertext, wrapped keys), under a checkpoint of FIELD_VAULT that\n"
	  "OFFICER signs now, with an inclusion proof of each entry and a consistency\n"
	  "proof from the acknowledged tree.  Nothing is decrypted: OFFICER's signing key\n"
	  "is the only secret used.  Exits 1 if FIELD_VAULT no longer extends what\n"
	  "headquarters acknowledged (rolled back or forked).  See docs/FIELD.md.\n" },
	{ "pull", cmd_pull, "import a transfer packet into the main vault",
	  "usage: amanat pull MAIN_VAULT PACKET --as ID [--ack FILE] [--passphrase-fd N]\n"
	  "\n"
	  "Verifies all of PACKET before writing anything: every signature, the field\n"
	  "vault's own membership, that its sealers are enrolled in MAIN_VAULT, the proofs,\n"
	  "and that the field vault extends what was pulled from it before.  Then appends\n"
	  "each new field entry as an import entry signed by ID (admin, officer or\n"
	  "custodian), all in one transaction, and writes the acknowledgement, a\n"
	  "checkpoint of MAIN_VAULT signed by ID naming how far it holds the field vault,\n"
	  "to FILE (default PACKET.ack), for the officer to record with 'amanat ack'.\n"
	  "Pulling the last packet again adds nothing and exits 0, saying so.  Exits 1,\n"
	  "with the reason and MAIN_VAULT unchanged, for a packet that is tampered,\n"
	  "truncated, skips or reorders entries, comes from a forked or rolled-back field\n"
	  "vault, or is older than what was pulled already; 2 if PACKET is not a transfer\n"
	  "packet or is for another vault.\n" },
	{ "ack", cmd_ack, "record headquarters' acknowledgement in a field vault",
	  "usage: amanat ack FIELD_VAULT ACK --as ID [--passphrase-fd N]\n"
	  "       amanat ack FIELD_VAULT [--json]\n"
	  "\n"
	  "Records ACK, the file 'amanat pull' wrote, in FIELD_VAULT as an ack entry signed\n"
	  "by ID (any member), after checking it names FIELD_VAULT, is signed by one of its\n"
	  "members and agrees with its tree; the next push then starts after it.  Without\n"
	  "ACK, says what headquarters has acknowledged: the entries safe there, and how\n"
	  "many are not yet.\n" },
	{ "case", cmd_case, "seal, amend, withdraw and read structured case records",
	  "usage: amanat case new VAULT --as ID FILE.json|- [--passphrase-fd N]\n"
	  "       amanat case amend VAULT --as ID [--ref SEQ] FILE.json|- [--passphrase-fd N]\n"
	  "       amanat case withdraw VAULT CASE_ID --as ID --reason TEXT [--ref SEQ]\n"
	  "                            [--passphrase-fd N]\n"
	  "       amanat case show VAULT CASE_ID --as CUSTODIAN.id [--json] [--passphrase-fd N]\n"
	  "       amanat case history VAULT CASE_ID --as CUSTODIAN.id [--json] [--passphrase-fd N]\n"
	  "       (each also takes --purpose TEXT | --purpose-from FILE|-)\n"
	  "\n"
	  "A case record is a JSON document (docs/case-record.schema.json, docs/CASES.md):\n"
	  "acts, each one violation against one victim, typed from the vocabulary of\n"
	  "docs/vocabulary/.  It is checked before anything is sealed: an unknown term, a\n"
	  "date not in the calendar, a duplicate act id or a source that is not an evidence\n"
	  "entry is named (case, act, field) and exits 2.  Records are never edited: amend\n"
	  "seals a new version that supersedes the newest (--ref SEQ: refuse if that is not\n"
	  "the newest any more), withdraw seals a withdrawal with its reason.  show prints the\n"
	  "newest version with its private fields; history every version, who sealed it,\n"
	  "when, and what changed.  Finding a case decrypts the vault's case records: the\n"
	  "reading is recorded first as a custody entry, so ID must be a custodian.\n" },
	{ "import", cmd_import, "seal many case records from a CSV or JSON Lines file",
	  "usage: amanat import VAULT --as ID FILE.csv|FILE.jsonl [--skip-bad] [--json]\n"
	  "                    [--purpose TEXT | --purpose-from FILE|-] [--passphrase-fd N]\n"
	  "\n"
	  "CSV: one row per act, rows grouped into cases by case_id, with the columns\n"
	  "case_id,act_id,act_type,date,date_precision,province,district,victim,victim_sex,\n"
	  "victim_age,victim_affiliation,perpetrator,status,consent_scopes, optionally\n"
	  "sources (ENTRY:RELIABILITY;...), vocabulary and summary; any other column is a\n"
	  "private field of the act.  JSONL: one case record per line.  Every row is\n"
	  "checked first; any problem is listed with its line and column and nothing is\n"
	  "sealed (exit 2), unless --skip-bad, which seals the good cases and lists the\n"
	  "rest.  A case id the vault has already is sealed as an amendment of it (left\n"
	  "alone when unchanged).  Each case is durable before the next is begun, and said\n"
	  "on standard output as it is: an interrupted import leaves whole cases only.\n" },
	{ "find", cmd_find, "find acts in case records",
	  "usage: amanat find VAULT --as CUSTODIAN.id [--case ID]... [--act-type T]\n"
	  "                  [--affiliation A] [--province P] [--from DATE] [--to DATE]\n"
	  "                  [--text WORDS] [--json] [--purpose TEXT | --purpose-from FILE|-]\n"
	  "                  [--passphrase-fd N]\n"
	  "\n"
	  "Searches the newest version of every case (withdrawn cases left out) and prints\n"
	  "one line per matching act.  --from/--to (YYYY-MM-DD) keep acts whose period\n"
	  "overlaps the range; --text keeps acts where every word appears (any case) in the\n"
	  "record's text or the act's private fields.  The reading is recorded first.\n" },
	{ "stats", cmd_stats, "signed figures from case records",
	  "usage: amanat stats VAULT --as CUSTODIAN.id --by act-type|affiliation|province|month|status\n"
	  "                   [--from DATE] [--to DATE] [--json | --csv] [--html FILE]\n"
	  "                   [--purpose TEXT | --purpose-from FILE|-] [--passphrase-fd N]\n"
	  "       amanat stats --check REPORT VAULT --as CUSTODIAN.id [--passphrase-fd N]\n"
	  "\n"
	  "Counts acts and distinct victims over the newest version of every case, a\n"
	  "withdrawn case not at all, over verified entries only.  DATE is YYYY-MM-DD, both\n"
	  "ends included; an act dated only to a month or a year counts only when its whole\n"
	  "period lies inside, and acts that straddle an end are counted on a line of their\n"
	  "own (partly-in-range), not in the total.  The report names the checkpoint it was\n"
	  "computed at (origin, tree size, root), is signed by CUSTODIAN and recorded in\n"
	  "custody; --json prints that signed report, --csv the header group,acts,victims,\n"
	  "--html writes one printable page with tables and bar charts.  --check recomputes\n"
	  "a --json report at its tree size and exits 1 naming each figure that differs.\n" },
	{ "demo", cmd_demo, "build a fictional vault and show what amanat does",
	  "usage: amanat demo [DIR]\n"
	  "\n"
	  "Creates DIR (default ./amanat-demo, or -2, -3... if that exists) with fictional\n"
	  "identities and testimony,\n"
	  "verifies it, then tampers with a copy and shows the tampering caught.  Then it\n"
	  "imports generated fictional case records into DIR/monitoring.amn and writes signed\n"
	  "figures (monitoring-report.json, monitoring-annex.html), checked against the\n"
	  "generator's own counts.\n" },
	{ "version", cmd_version, "print the versions of amanat and its libraries",
	  "usage: amanat version [--json]\n"
	  "       amanat --version\n"
	  "\n"
	  "Prints amanat's version and the vault format it writes, the versions of\n"
	  "libsodium, SQLite and zlib in use (as loaded at run time), and the version of\n"
	  "minizip amanat was compiled against (minizip cannot say at run time).\n" },
	{ "help", cmd_help, "show help for a command",
	  "usage: amanat help [COMMAND]\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_cmd *cli_find(const char *name)
{
	for (const struct cli_cmd *c = cli_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void overview(FILE *f)
{
	fprintf(f, "usage: amanat COMMAND [ARGS]   (amanat COMMAND --help for more)\n\n");
	for (const struct cli_cmd *c = cli_commands; c->name != NULL; c++)
		fprintf(f, "  %-14s %s\n", c->name, c->summary);
	fprintf(f, "\nexit codes: 0 ok; 1 verification found a problem; 2 usage or bad input;\n"
		   "3 wrong passphrase or not authorised; 4 storage or I/O failure.\n"
		   "Passphrases come from the terminal, --passphrase-fd N, or the\n"
		   "AMANAT_PASSPHRASE environment variable (for scripts); never from arguments.\n");
}

int cmd_help(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		overview(stdout);
		return cli_finish(EXIT_OK);
	}
	c = cli_find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "amanat: '%s' is not an amanat command\n", argv[1]);
		return EXIT_USAGE;
	}
	return cli_help(c);
}

/* amanat's version and its libraries', for a court that asks what made a file. */
int cmd_version(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_JSON,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("version");
	struct cli_common co;

	if (cli_options(c, argc, argv, opts, &co) != 0)
		return EXIT_USAGE;
	if (argc - optind != 0)
		return cli_usage_error(c, "expected no arguments");
	if (co.json) {
		printf("{\"amanat\":");
		json_cstr(stdout, AMANAT_VERSION);
		printf(",\"format\":%d,\"libsodium\":", am_vault_format_version());
		json_cstr(stdout, am_crypto_version());
		printf(",\"sqlite\":");
		json_cstr(stdout, am_vault_sqlite_version());
		printf(",\"zlib\":");
		json_cstr(stdout, am_vault_zlib_version());
		printf(",\"minizip_compiled_against\":");
		json_cstr(stdout, am_bundle_zip_version());
		printf("}\n");
	} else {
		printf("amanat %s (vault format %d)\n", AMANAT_VERSION, am_vault_format_version());
		printf("libsodium %s\n", am_crypto_version());
		printf("SQLite %s\n", am_vault_sqlite_version());
		printf("zlib %s\n", am_vault_zlib_version());
		printf("minizip %s (compiled against; minizip has no run-time version)\n",
		       am_bundle_zip_version());
	}
	return cli_finish(EXIT_OK);
}

/* Secrets must not reach a core file or another process via ptrace. */
static void harden(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* The vault layer waits for another amanat's lock; say so once, after a second. */
static void tell_waiting(void *ctx, const char *path)
{
	(void)ctx;
	fprintf(stderr, "amanat: waiting for another amanat to finish writing %s...\n", path);
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;

	harden();
	cli_install_signals();
	am_vault_on_wait(tell_waiting, NULL);
	if (am_crypto_init() != 0) {
		fprintf(stderr, "amanat: cannot initialise libsodium\n");
		return EXIT_IO;
	}
	if (argc < 2) {
		overview(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	c = cli_find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "amanat: '%s' is not an amanat command; see 'amanat --help'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return cli_help(c);
	}
	return c->fn(argc - 1, argv + 1);
}
