//! Repository for `gmail_accounts_secure`. Tokens go in and out only through the vault.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::clock::now_unix;
use crate::error::{LibreOllamaError, Result};
use crate::vault::{Aad, SecretString, Vault};

pub const TABLE: &str = "gmail_accounts_secure";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub email_address: String,
    pub display_name: Option<String>,
    pub profile_picture_url: Option<String>,
    pub token_expires_at: Option<i64>,
    pub scopes: String,
    pub is_active: bool,
    pub requires_reauth: bool,
    pub last_sync_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub user_id: String,
}

impl Account {
    /// A new active account with no name, scopes or tokens yet (sign-in fills them in).
    pub fn new(id: &str, email: &str) -> Account {
        Account {
            id: id.into(),
            email_address: email.into(),
            display_name: None,
            profile_picture_url: None,
            token_expires_at: None,
            scopes: String::new(),
            is_active: true,
            requires_reauth: false,
            last_sync_at: None,
            created_at: 0,
            updated_at: 0,
            user_id: "default".into(),
        }
    }
}

/// Decrypted tokens. Never Serialize: they must not cross the command layer.
#[derive(Debug, Clone)]
pub struct AccountTokens {
    pub access_token: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    pub expires_at: Option<i64>,
}

/// The raw sealed columns, for diagnostics that must not decrypt more than they show.
#[derive(Debug, Clone)]
pub struct SealedTokens {
    pub access: Option<Vec<u8>>,
    pub refresh: Option<Vec<u8>>,
}

const COLUMNS: &str =
    "id, email_address, display_name, profile_picture_url, token_expires_at, scopes, \
    is_active, requires_reauth, last_sync_at, created_at, updated_at, user_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        email_address: r.get(1)?,
        display_name: r.get(2)?,
        profile_picture_url: r.get(3)?,
        token_expires_at: r.get(4)?,
        scopes: r.get(5)?,
        is_active: r.get(6)?,
        requires_reauth: r.get(7)?,
        last_sync_at: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        user_id: r.get(11)?,
    })
}

pub fn aad<'a>(column: &'a str, id: &'a str) -> Aad<'a> {
    Aad {
        table: TABLE,
        column,
        row_id: id,
    }
}

fn db(context: &'static str) -> impl FnOnce(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(context, e)
}

pub fn list(conn: &Connection) -> Result<Vec<Account>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM {TABLE} ORDER BY email_address"
        ))
        .map_err(db("listing accounts"))?;
    let rows = stmt
        .query_map([], from_row)
        .map_err(db("listing accounts"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("listing accounts"))
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<Account>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM {TABLE} WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
    .map_err(db("reading an account"))
}

/// Inserts the account or updates its profile fields (tokens are untouched).
pub fn upsert(conn: &Connection, a: &Account) -> Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO {TABLE} (id, email_address, display_name, profile_picture_url, scopes, is_active, \
             requires_reauth, created_at, updated_at, user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) \
             ON CONFLICT(id) DO UPDATE SET email_address = excluded.email_address, \
             display_name = excluded.display_name, profile_picture_url = excluded.profile_picture_url, \
             scopes = excluded.scopes, is_active = excluded.is_active, \
             requires_reauth = excluded.requires_reauth, updated_at = excluded.updated_at"
        ),
        params![
            a.id,
            a.email_address,
            a.display_name,
            a.profile_picture_url,
            a.scopes,
            a.is_active,
            a.requires_reauth,
            now_unix(),
            a.user_id
        ],
    )
    .map_err(db("saving an account"))?;
    Ok(())
}

/// Seals and stores tokens. A `None` refresh token keeps the stored one: Google omits it on
/// refresh and losing it would force the user to sign in again.
pub fn store_tokens(
    conn: &Connection,
    vault: &Vault,
    id: &str,
    access: &SecretString,
    refresh: Option<&SecretString>,
    expires_at: Option<i64>,
) -> Result<()> {
    let access_sealed = vault.seal_secret(aad("access_token_encrypted", id), access)?;
    let refresh_sealed = refresh
        .map(|r| vault.seal_secret(aad("refresh_token_encrypted", id), r))
        .transpose()?;
    let n = conn
        .execute(
            &format!(
                "UPDATE {TABLE} SET access_token_encrypted = ?1, \
                 refresh_token_encrypted = COALESCE(?2, refresh_token_encrypted), \
                 token_expires_at = ?3, requires_reauth = 0, updated_at = ?4 WHERE id = ?5"
            ),
            params![access_sealed, refresh_sealed, expires_at, now_unix(), id],
        )
        .map_err(db("saving account tokens"))?;
    if n == 0 {
        return Err(LibreOllamaError::NotFound {
            what: format!("Account {id}"),
        });
    }
    Ok(())
}

pub fn sealed_tokens(conn: &Connection, id: &str) -> Result<Option<SealedTokens>> {
    conn.query_row(
        &format!(
            "SELECT access_token_encrypted, refresh_token_encrypted FROM {TABLE} WHERE id = ?1"
        ),
        [id],
        |r| {
            Ok(SealedTokens {
                access: r.get(0)?,
                refresh: r.get(1)?,
            })
        },
    )
    .optional()
    .map_err(db("reading account tokens"))
}

pub fn get_tokens(conn: &Connection, vault: &Vault, id: &str) -> Result<AccountTokens> {
    let account = get(conn, id)?.ok_or_else(|| LibreOllamaError::NotFound {
        what: format!("Account {id}"),
    })?;
    let sealed = sealed_tokens(conn, id)?.unwrap_or(SealedTokens {
        access: None,
        refresh: None,
    });
    Ok(AccountTokens {
        access_token: crate::vault::open_optional(
            vault,
            aad("access_token_encrypted", id),
            sealed.access.as_deref(),
        )?,
        refresh_token: crate::vault::open_optional(
            vault,
            aad("refresh_token_encrypted", id),
            sealed.refresh.as_deref(),
        )?,
        expires_at: account.token_expires_at,
    })
}

pub fn delete(conn: &Connection, id: &str) -> Result<bool> {
    // Its settings (notification switches and marks, its signature) go with it.
    for key in super::notify::keys_of(id)
        .into_iter()
        .chain([super::settings::signature_key(id)])
    {
        super::settings::remove(conn, &key)?;
    }
    conn.execute(&format!("DELETE FROM {TABLE} WHERE id = ?1"), [id])
        .map(|n| n > 0)
        .map_err(db("removing an account"))
}

/// Accounts that can reach Google now (active, with a refresh token): an imported archive has
/// neither.
pub fn signed_in(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn
        .prepare(
            "SELECT id FROM gmail_accounts_secure WHERE is_active = 1 AND refresh_token_encrypted IS NOT NULL ORDER BY id",
        )
        .map_err(|e| LibreOllamaError::db("reading accounts", e))?;
    let rows = st
        .query_map([], |r| r.get(0))
        .map_err(|e| LibreOllamaError::db("reading accounts", e))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(|e| LibreOllamaError::db("reading accounts", e))
}

/// Marks the account as needing a new sign-in (its refresh token was refused or is missing).
pub fn mark_reauth(conn: &Connection, id: &str, now: i64) -> Result<()> {
    conn.execute(
        &format!("UPDATE {TABLE} SET requires_reauth = 1, updated_at = ?1 WHERE id = ?2"),
        params![now, id],
    )
    .map_err(db("marking an account for sign-in"))?;
    Ok(())
}

/// Forgets the account's tokens (they no longer decrypt) and marks it for a new sign-in.
pub fn clear_tokens(conn: &Connection, id: &str, now: i64) -> Result<()> {
    conn.execute(
        &format!(
            "UPDATE {TABLE} SET access_token_encrypted = NULL, \
             refresh_token_encrypted = NULL, token_expires_at = NULL, requires_reauth = 1, \
             updated_at = ?1 WHERE id = ?2"
        ),
        params![now, id],
    )
    .map_err(db("clearing corrupt tokens"))?;
    Ok(())
}
