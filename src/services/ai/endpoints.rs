//! The model servers: the configured list (Ollama on this computer is added the first time),
//! health checks, models (list, pull, delete on Ollama) and the default server and model.

use std::sync::Arc;

use super::{AiService, Provider};
use crate::ai::ollama;
use crate::ai::openai;
use crate::clock::now_unix;
use crate::error::{LibreOllamaError, Result};
use crate::model::{AiEndpoint, EndpointHealth, EndpointKind, JobKind, ModelSummary};
use crate::store::ai_endpoints::{self, key_aad, NewEndpoint};
use crate::store::new_id;
use crate::vault::SecretString;

impl AiService {
    /// The configured servers; the first time, Ollama on this computer is added as the default.
    pub async fn endpoints(&self) -> Result<Vec<AiEndpoint>> {
        self.store
            .write(|c| {
                ai_endpoints::ensure_default(c, ollama::DEFAULT_BASE, now_unix())?;
                ai_endpoints::list(c)
            })
            .await
    }

    pub async fn add_endpoint(
        &self,
        name: &str,
        kind: EndpointKind,
        base_url: &str,
        api_key: Option<SecretString>,
    ) -> Result<AiEndpoint> {
        // The default Ollama entry exists before any other, so adding one never leaves the
        // app without a default.
        self.endpoints().await?;
        let url = url::Url::parse(base_url.trim()).map_err(|e| {
            LibreOllamaError::InvalidInput(format!(
                "'{base_url}' is not an address ({e}); write it like http://127.0.0.1:8080"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(LibreOllamaError::InvalidInput(format!(
                "'{base_url}' must be an http:// or https:// address with a host"
            )));
        }
        let name = if name.trim().is_empty() {
            url.host_str().unwrap_or("Model server").to_string()
        } else {
            name.trim().to_string()
        };
        let id = new_id("ep");
        let key = api_key.filter(|k| !k.expose().is_empty());
        let base = url.as_str().trim_end_matches('/').to_string();
        let (vault, id2) = (self.vault.clone(), id.clone());
        self.store
            .write(move |c| {
                // Sealed under the writer: a key rotation is never between the seal and the
                // write.
                let sealed = key
                    .map(|k| vault.seal_secret(key_aad(&id2), &k))
                    .transpose()?;
                let new = NewEndpoint {
                    id: &id2,
                    name: &name,
                    kind,
                    base_url: &base,
                    sealed_key: sealed.as_deref(),
                };
                ai_endpoints::insert(c, &new, now_unix())
            })
            .await?;
        self.endpoints()
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| LibreOllamaError::Internal("the new model server vanished".into()))
    }

    pub async fn remove_endpoint(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.store
            .write(move |c| ai_endpoints::remove(c, &id))
            .await
    }

    pub async fn set_default(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.store
            .transaction(move |tx| {
                if !ai_endpoints::set_default(tx, &id)? {
                    return Err(LibreOllamaError::NotFound {
                        what: format!("Model server {id}"),
                    });
                }
                Ok(())
            })
            .await
    }

    pub(super) async fn provider(&self, id: &str) -> Result<(AiEndpoint, Provider)> {
        let id_owned = id.to_string();
        let row = self
            .store
            .read(move |c| ai_endpoints::get(c, &id_owned))
            .await?;
        let (ep, sealed) = row.ok_or_else(|| LibreOllamaError::NotFound {
            what: format!("Model server {id} (see `libreollama ai servers`)"),
        })?;
        let key = sealed
            .map(|s| self.vault.open_secret(key_aad(&ep.id), &s))
            .transpose()?;
        let p = match ep.kind {
            EndpointKind::Ollama => {
                Provider::Ollama(ollama::Client::new(&ep.base_url, self.timeouts.clone())?)
            }
            EndpointKind::OpenAi => Provider::OpenAi(openai::Client::new(
                &ep.base_url,
                key,
                self.timeouts.clone(),
            )?),
        };
        Ok((ep, p))
    }

    /// Asks the server for its version (Ollama) and its models; never fails: the error says
    /// what to start and where.
    pub async fn health(&self, id: &str) -> Result<EndpointHealth> {
        let (ep, p) = self.provider(id).await?;
        let mut h = EndpointHealth {
            endpoint_id: ep.id.clone(),
            version: None,
            models: Vec::new(),
            error: None,
        };
        let r: Result<()> = async {
            match &p {
                Provider::Ollama(c) => {
                    h.version = Some(c.version().await?);
                    h.models = c.models().await?.into_iter().map(|m| m.name).collect();
                }
                Provider::OpenAi(c) => {
                    h.models = c.models().await?.into_iter().map(|m| m.id).collect();
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = r {
            h.error = Some(e.to_string());
        }
        Ok(h)
    }

    /// The server's models, with size, family and quantisation where the server says them.
    pub async fn models(&self, endpoint_id: &str) -> Result<Vec<ModelSummary>> {
        let (_, p) = self.provider(endpoint_id).await?;
        let nonempty = |s: String| (!s.is_empty()).then_some(s);
        Ok(match p {
            Provider::Ollama(c) => c
                .models()
                .await?
                .into_iter()
                .map(|m| ModelSummary {
                    name: m.name,
                    size_bytes: Some(m.size),
                    family: nonempty(m.details.family),
                    parameter_size: nonempty(m.details.parameter_size),
                    quantization: nonempty(m.details.quantization_level),
                })
                .collect(),
            Provider::OpenAi(c) => c
                .models()
                .await?
                .into_iter()
                .map(|m| ModelSummary {
                    name: m.id,
                    size_bytes: None,
                    family: None,
                    parameter_size: None,
                    quantization: None,
                })
                .collect(),
        })
    }
    /// Starts pulling `model` onto an Ollama server as a job (bytes done of total, cancel).
    pub async fn pull_model(self: &Arc<Self>, endpoint_id: &str, model: &str) -> Result<u64> {
        let (ep, p) = self.provider(endpoint_id).await?;
        let Provider::Ollama(client) = p else {
            return Err(LibreOllamaError::InvalidInput(format!(
                "{} is not an Ollama server; add models to it with its own tools",
                ep.name
            )));
        };
        if model.trim().is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "which model? e.g. llama3.2".into(),
            ));
        }
        let job = self
            .jobs
            .start_kind(
                JobKind::ModelPull,
                &format!("{}:{model}", ep.id),
                None,
                format!("Pulling {model}"),
            )
            .ok_or_else(|| {
                LibreOllamaError::InvalidInput(format!("{model} is already being pulled"))
            })?;
        let id = job.id;
        let model = model.trim().to_string();
        tokio::spawn(async move {
            let progress = job.progress.clone();
            let r = client
                .pull(&model, &job.cancel, |p| {
                    if let (Some(done), Some(total)) = (p.completed, p.total) {
                        progress.set_total(total);
                        progress.set_done(done);
                    }
                })
                .await;
            job.finish(r.map(|()| format!("{model} is ready.")));
        });
        Ok(id)
    }

    pub async fn delete_model(&self, endpoint_id: &str, model: &str) -> Result<()> {
        match self.provider(endpoint_id).await? {
            (_, Provider::Ollama(c)) => c.delete(model).await,
            (ep, Provider::OpenAi(_)) => Err(LibreOllamaError::InvalidInput(format!(
                "{} is not an Ollama server; remove models with its own tools",
                ep.name
            ))),
        }
    }

    pub async fn default_endpoint(&self) -> Result<AiEndpoint> {
        self.endpoints()
            .await?
            .into_iter()
            .find(|e| e.is_default)
            .ok_or_else(|| {
                LibreOllamaError::Config(
                    "no model server; add one with `libreollama ai add-server`".into(),
                )
            })
    }

    /// The server (`server`, else the default) and a model on it (`model`, else its first),
    /// having checked that the server answers.
    pub async fn pick(
        &self,
        server: Option<String>,
        model: Option<String>,
    ) -> Result<(String, String)> {
        let server = match server {
            Some(s) => s,
            None => self.default_endpoint().await?.id,
        };
        let h = self.health(&server).await?;
        if let Some(e) = h.error {
            return Err(LibreOllamaError::Config(e));
        }
        let model = match model {
            Some(m) => m,
            None => h.models.first().cloned().ok_or_else(|| {
                LibreOllamaError::Config(format!(
                    "{server} has no models; pull one (for Ollama: `ollama pull llama3.2`)"
                ))
            })?,
        };
        Ok((server, model))
    }
}
