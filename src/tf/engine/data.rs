//! ValidateDataResourceConfig and ReadDataSource.

use crate::tf::diag::Diagnostics;
use crate::tf::provider::Provider;
use crate::tf::value::Value;

use super::{DataSourceEntry, Engine};

impl<P: Provider> Engine<P> {
    pub fn validate_data_source_config(
        &self,
        entry: &DataSourceEntry<P::Client>,
        config: &Value,
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        entry.data_source.validate_config(config, &mut diags);
        diags
    }

    /// The data source's state; Terraform only asks once the configuration
    /// is wholly known.
    pub async fn read_data_source(
        &self,
        entry: &DataSourceEntry<P::Client>,
        config: &Value,
    ) -> (Value, Diagnostics) {
        let mut diags = Diagnostics::new();
        let client = self.current_client();
        let ctx = self.context(client.as_deref());
        let state = entry.data_source.read(&ctx, config, &mut diags).await;
        (state, diags)
    }
}
