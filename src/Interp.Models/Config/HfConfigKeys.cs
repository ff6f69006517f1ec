// Keys that real Hugging Face config.json files carry but this runtime does not use (training-time dropout, generation
// defaults, bookkeeping): accepted and ignored per model family, so real checkpoints load while a misspelt key is still
// an error naming the nearest known one.
namespace Interp.Models;

public static class HfConfigKeys
{
    /// <summary>PretrainedConfig's generic keys (any model type).</summary>
    public static readonly IReadOnlySet<string> Common = new HashSet<string>(StringComparer.Ordinal)
    {
        "_name_or_path", "architectures", "torch_dtype", "dtype", "transformers_version", "use_cache", "bos_token_id", "eos_token_id",
        "pad_token_id", "sep_token_id", "decoder_start_token_id", "initializer_range", "tokenizer_class", "id2label", "label2id",
        "task_specific_params", "problem_type", "output_attentions", "output_hidden_states", "return_dict", "torchscript",
        "pruned_heads", "chunk_size_feed_forward", "is_encoder_decoder", "is_decoder", "add_cross_attention", "tie_encoder_decoder",
        "cross_attention_hidden_size", "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups",
        "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty", "length_penalty",
        "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
        "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
        "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "finetuning_task", "prefix",
        "tf_legacy_loss", "use_bfloat16", "_attn_implementation_autoset", "_commit_hash", "_num_labels", "output_past", "use_return_dict",
    };

    public static readonly IReadOnlySet<string> Gpt2 = With(Common,
        "resid_pdrop", "embd_pdrop", "attn_pdrop", "summary_type", "summary_use_proj", "summary_activation",
        "summary_proj_to_labels", "summary_first_dropout", "gradient_checkpointing", "n_special", "predict_special_tokens");

    public static readonly IReadOnlySet<string> Llama = With(Common,
        "attention_dropout", "pretraining_tp", "max_window_layers", "use_mrope", "layer_types", "rope_type", "mlp_dropout");

    public static readonly IReadOnlySet<string> NeoX = With(Common,
        "attention_dropout", "hidden_dropout", "classifier_dropout", "use_flash_attn");

    private static HashSet<string> With(IReadOnlySet<string> baseSet, params string[] more)
    {
        var s = new HashSet<string>(baseSet, StringComparer.Ordinal);
        foreach (var k in more) s.Add(k);
        return s;
    }
}
