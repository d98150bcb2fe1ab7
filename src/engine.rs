//! The engine: one catalogue, its stock table and the limits, behind the API that the
//! storefront, the edge worker and the server call.
//!
//! Every mutating call decodes and checks its input completely before it changes
//! anything, so a failed call leaves the engine exactly as it was.

use serde::Serialize;

use crate::catalogue::{flags, Catalogue};
use crate::error::{Error, RequestError};
use crate::experiment::ShownAssignment;
use crate::growthbook::StickyDoc;
use crate::limits::Limits;
use crate::profile::{read_profile, Profile, ProfileView};
use crate::rank::{rank, render, Inputs, Ranking};
use crate::request::{RankRequest, RankResponse};
use crate::stock::{Applied, StockTable};

/// A loaded catalogue with its stock, ready to rank.
#[derive(Debug, Clone)]
pub struct Engine {
    limits: Limits,
    catalogue: Catalogue,
    stock: StockTable,
}

/// A summary of what the engine holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineInfo {
    pub bundle_version: String,
    pub products: usize,
    pub categories: usize,
    pub promotions: usize,
    pub experiments: usize,
    pub stock_epoch: u64,
    /// ms since the Unix epoch when the stock was read (0: no stock yet).
    pub stock_as_of: u64,
    /// Products with a known stock level.
    pub stock_known: usize,
}

/// A visitor's experiment assignments, without a ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignResponse {
    /// One per experiment of the bundle, in bundle order.
    pub assignments: Vec<ShownAssignment>,
    /// The sticky bucket documents to store back (present when the request gave some).
    pub sticky_buckets: Option<Vec<StickyDoc>>,
}

/// A product as a storefront renders it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductView {
    pub id: String,
    pub name: String,
    pub category: String,
    pub category_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Minor units.
    pub price: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Known stock level (the product's own), or null.
    pub stock: Option<i32>,
    pub durable: bool,
}

impl Engine {
    /// Loads a catalogue bundle.
    pub fn from_bundle(bytes: &[u8], limits: Limits) -> Result<Engine, Error> {
        let catalogue = Catalogue::from_bytes(bytes, &limits)?;
        Ok(Engine::from_catalogue(catalogue, limits))
    }

    /// An engine over an already loaded catalogue, with no stock yet.
    pub fn from_catalogue(catalogue: Catalogue, limits: Limits) -> Engine {
        let stock = StockTable::empty(catalogue.len());
        Engine { limits, catalogue, stock }
    }

    /// Applies a stock snapshot or delta; one not newer than the current epoch is ignored.
    pub fn apply_stock(&mut self, bytes: &[u8]) -> Result<Applied, Error> {
        Ok(self.stock.apply_bytes(bytes, &self.catalogue, &self.limits)?)
    }

    /// Ranks for a request; `clock_now` (ms since the Unix epoch) is used unless the
    /// request names its own `context.now`.
    pub fn rank(&self, req: &RankRequest, clock_now: u64) -> Result<RankResponse, Error> {
        Ok(render::response(&self.ranking(req, clock_now)?, &self.catalogue))
    }

    /// As [`Engine::rank`], before any string is made (render with [`render`]).
    pub fn ranking(&self, req: &RankRequest, clock_now: u64) -> Result<Ranking, Error> {
        let Some(bytes) = &req.profile else {
            return self.rank_view(req, None, clock_now);
        };
        // The profile is read in place: its strings stay borrowed from the bytes.
        let view = read_profile(bytes, &self.limits).map_err(RequestError::Profile)?;
        self.rank_view(req, Some(&view), clock_now)
    }

    /// As [`Engine::rank`], with the profile already decoded (`req.profile` is ignored).
    pub fn rank_with_profile(
        &self,
        req: &RankRequest,
        profile: Option<&Profile>,
        clock_now: u64,
    ) -> Result<RankResponse, Error> {
        let ranking = self.rank_view(req, profile.map(Profile::view).as_ref(), clock_now)?;
        Ok(render::response(&ranking, &self.catalogue))
    }

    fn rank_view(&self, req: &RankRequest, profile: Option<&ProfileView>, clock_now: u64) -> Result<Ranking, Error> {
        let now = req.context.as_ref().and_then(|c| c.now).unwrap_or(clock_now);
        let inputs = Inputs { cat: &self.catalogue, stock: &self.stock, limits: &self.limits, req, profile, now };
        Ok(rank(&inputs)?)
    }

    /// Assigns the visitor of `req` to the bundle's experiments, exactly as
    /// [`Engine::rank`] would (the same attributes, profile, context and sticky buckets);
    /// the session and weights are not read.
    pub fn assign(&self, req: &RankRequest) -> Result<AssignResponse, Error> {
        let view = match &req.profile {
            Some(bytes) => Some(read_profile(bytes, &self.limits).map_err(RequestError::Profile)?),
            None => None,
        };
        let profile = view.as_ref().filter(|p| p.consent.personalization);
        let ctx = req.context.clone().unwrap_or_default();
        let (assignments, sticky) = crate::rank::assign(&self.catalogue, req, &ctx, profile);
        let e = &self.catalogue.experiments;
        Ok(AssignResponse {
            assignments: assignments.iter().map(|a| e.show(a)).collect(),
            sticky_buckets: sticky.map(|s| s.docs),
        })
    }

    /// What the engine holds.
    pub fn info(&self) -> EngineInfo {
        let c = &self.catalogue;
        EngineInfo {
            bundle_version: c.version.clone(),
            products: c.len(),
            categories: c.categories.ids.len(),
            promotions: c.promotions.len(),
            experiments: c.experiments.len(),
            stock_epoch: self.stock.epoch(),
            stock_as_of: self.stock.as_of(),
            stock_known: self.stock.known(),
        }
    }

    /// A product for display, if the catalogue has it.
    pub fn product(&self, id: &str) -> Option<ProductView> {
        let c = &self.catalogue;
        let i = c.products.find(id)?;
        let (hot, info) = (&c.products.hot[i as usize], &c.products.info[i as usize]);
        Some(ProductView {
            id: info.id.clone(),
            name: info.name.clone(),
            category: c.categories.ids[hot.category as usize].clone(),
            category_name: c.categories.names[hot.category as usize].clone(),
            brand: c.products.brands.get(hot.brand as usize).cloned(),
            price: info.price,
            currency: c.currency.clone(),
            url: info.url.clone(),
            image: info.image.clone(),
            stock: self.stock.level(i, None),
            durable: hot.flags & flags::DURABLE != 0,
        })
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn stock(&self) -> &StockTable {
        &self.stock
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}
